# syntax=docker/dockerfile:1
# ComplaintGrpc.Server image. Build from the repository root:
#   docker build -f ops/deploy/docker/server.Dockerfile -t complaintgrpc-server .
# Stage 1 publishes with the SDK (the version global.json asks for); stage 2 is Microsoft's chiseled ASP.NET Core
# runtime: no shell, no package manager, runs as the non-root "app" user (uid 1654).
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The whole of src/ rather than project by project: a project added to src/ needs no change here.
COPY global.json .editorconfig Directory.Build.props Directory.Packages.props ./
COPY protos/ protos/
COPY src/ src/
RUN dotnet publish src/ComplaintGrpc.Server/ComplaintGrpc.Server.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build --chown=root:root /app ./
ENV DOTNET_ENVIRONMENT=Production
# The settings the image defaults to; ConnectionStrings__Complaints and the Auth key come from the orchestrator
# (compose secrets, Kubernetes Secret).
ENV Server__GrpcPort=5080 \
    Server__AdminPort=5081
# gRPC (h2c; grpc.health.v1 on it) and the admin port (/health/live, /health/ready, /hangfire).
EXPOSE 5080 5081
# Explicit, so the image stays non-root whatever the base image's default becomes.
USER 1654:1654
ENTRYPOINT ["dotnet", "ComplaintGrpc.Server.dll"]
