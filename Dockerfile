# One image for every service of the network (node, lsp, dashboard): the compose command picks the role.
# Built the way a supplier installs the lab: the packed tarball (compiled dist/, data files) into an empty project.
FROM node:20-bookworm-slim AS pack
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm pack --pack-destination /tmp && mv /tmp/nuts-lsp-lab-*.tgz /tmp/nuts-lsp-lab.tgz

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=pack /tmp/nuts-lsp-lab.tgz /tmp/
# npm 11 runs dependency install scripts by policy: only better-sqlite3 needs its own
RUN echo '{"private":true,"allowScripts":{"better-sqlite3":true,"@sphereon/pex":false,"fhirpath":false}}' > package.json \
 && npm install --no-audit --no-fund /tmp/nuts-lsp-lab.tgz && rm /tmp/nuts-lsp-lab.tgz && npm cache clean --force
# public and internal ports of the reference node and the mock LSP, and the dashboard
EXPOSE 8080 8081 9080 9081 8000
CMD ["npx", "nuts-lsp-lab", "up"]
