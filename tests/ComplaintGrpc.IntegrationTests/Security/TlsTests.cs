using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace ComplaintGrpc.IntegrationTests.Security;

public sealed class TlsTests(TlsTests.TlsHost host) : IClassFixture<TlsTests.TlsHost>
{
    /// <summary>A server configured with a PEM certificate and key, as an operator would configure it.</summary>
    public sealed class TlsHost : ServerHost
    {
        public X509Certificate2 Certificate { get; }
        private readonly string _folder = Directory.CreateTempSubdirectory("complaints-tls").FullName;

        public TlsHost()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(Path.Combine(_folder, "cert.pem"), Certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(_folder, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        }

        protected override void Configure(WebApplicationBuilder builder) =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Server:TlsCertificateFile"] = Path.Combine(_folder, "cert.pem"),
                ["Server:TlsKeyFile"] = Path.Combine(_folder, "key.pem"),
            });

        public HttpClientHandler TrustingHandler() => new()
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == Certificate.Thumbprint,
        };
    }

    [Fact]
    public async Task Both_ports_serve_tls_with_the_configured_certificate_and_refuse_plaintext()
    {
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{host.GrpcPort}", new GrpcChannelOptions { HttpHandler = host.TrustingHandler() });
        var client = new ComplaintService.ComplaintServiceClient(channel);
        var headers = new Metadata { { "authorization", $"Bearer {host.DeskToken}" } };
        var stored = await client.SubmitComplaintAsync(Sample.Complaint(), headers);
        Assert.Equal(CaseStatus.Received, stored.Status);

        using var https = new HttpClient(host.TrustingHandler());
        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync($"https://127.0.0.1:{host.AdminPort}/health/ready")).StatusCode);

        using var plain = new HttpClient();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync($"http://127.0.0.1:{host.AdminPort}/health/ready"));
    }
}
