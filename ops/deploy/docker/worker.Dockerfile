# syntax=docker/dockerfile:1
# ComplaintGrpc.Worker image. Build from the repository root:
#   docker build -f ops/deploy/docker/worker.Dockerfile -t complaintgrpc-worker .
# Stage 1 publishes with the SDK (the version global.json asks for); stage 2 is Microsoft's chiseled ASP.NET Core
# runtime: no shell, no package manager, runs as the non-root "app" user (uid 1654).
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The whole of src/ rather than project by project: a project added to src/ needs no change here.
COPY global.json .editorconfig Directory.Build.props Directory.Packages.props ./
COPY protos/ protos/
COPY src/ src/
RUN dotnet publish src/ComplaintGrpc.Worker/ComplaintGrpc.Worker.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build --chown=root:root /app ./
ENV DOTNET_ENVIRONMENT=Production
# No port: the worker serves nothing; it only talks to PostgreSQL and the notification channels.
# Explicit, so the image stays non-root whatever the base image's default becomes.
USER 1654:1654
ENTRYPOINT ["dotnet", "ComplaintGrpc.Worker.dll"]
