# One image for every service of the network (node, lsp, dashboard): the command picks the role.
FROM node:20-bookworm
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
EXPOSE 8080 8081
CMD ["npm", "start"]
