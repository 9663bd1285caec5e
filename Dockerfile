FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY mappings ./mappings
COPY aimeos-sync.yml tsconfig.json ./
USER node
ENTRYPOINT ["node", "bin/aimeos-sync.js"]
CMD ["run"]
