# One image for every service of the network (node, lsp, dashboard): the compose command picks the role.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
# public and internal ports of the reference node and the mock LSP, and the dashboard
EXPOSE 8080 8081 9080 9081 8000
CMD ["npx", "nuts-lsp-lab", "up"]
