using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ComplaintGrpc.Server.Security;

/// <summary>Bound from <c>Auth:*</c>. Either an OIDC <see cref="Authority"/> (production: keys from its metadata) or a
/// symmetric signing key (development: <c>ops/run.sh</c> generates one into .local/secrets).</summary>
public sealed class AuthOptions : IValidatableObject
{
    [Required]
    public string Issuer { get; set; } = "complaintgrpc-dev";

    [Required]
    public string Audience { get; set; } = "complaints.v1";

    /// <summary>OIDC authority whose discovery document names the signing keys.</summary>
    public string? Authority { get; set; }

    /// <summary>HS256 key, base64, at least 32 bytes. Prefer <see cref="SigningKeyFile"/> so the key stays out of the environment.</summary>
    public string? SigningKey { get; set; }

    public string? SigningKeyFile { get; set; }

    /// <summary>When true, health and reflection also need a token (they are open by default so generic tools work).</summary>
    public bool ProtectHealthAndReflection { get; set; }

    public byte[]? SymmetricKey()
    {
        var text = SigningKeyFile is { Length: > 0 } file ? File.ReadAllText(file).Trim() : SigningKey;
        return string.IsNullOrEmpty(text) ? null : Convert.FromBase64String(text);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        byte[]? key = null;
        string? problem = null;
        try
        {
            key = SymmetricKey();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // The message names the setting, never the key.
            problem = $"Auth:SigningKey/SigningKeyFile cannot be read as base64 ({e.GetType().Name}).";
        }
        if (problem is not null)
            yield return new ValidationResult(problem);
        else if (string.IsNullOrEmpty(Authority) && key is null)
            yield return new ValidationResult("Set Auth:Authority (OIDC) or Auth:SigningKeyFile / Auth:SigningKey (base64, 32+ bytes).");
        else if (key is { Length: < 32 })
            yield return new ValidationResult("Auth:SigningKey must be at least 32 bytes (256 bits).");
    }
}

public static class SecurityRegistration
{
    public const string CallerPolicy = "caller";

    /// <summary>
    /// Every RPC needs a valid bearer token (issuer, audience, lifetime and signature checked by Microsoft's JWT
    /// handler); roles come from the <c>role</c> claim and each RPC names the roles it admits. Claims are taken as
    /// issued (<c>sub</c>, <c>role</c>, <c>unit</c>, <c>perm</c>), not remapped to long WS-* names.
    /// </summary>
    public static WebApplicationBuilder AddCallerSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration("Auth").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) =>
            {
                var o = auth.Value;
                jwt.MapInboundClaims = false;
                if (!string.IsNullOrEmpty(o.Authority))
                    jwt.Authority = o.Authority;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = o.Issuer,
                    ValidAudience = o.Audience,
                    IssuerSigningKey = o.SymmetricKey() is { } key ? new SymmetricSecurityKey(key) : null,
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                    ClockSkew = TimeSpan.FromMinutes(1),
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(CallerPolicy, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser());
        builder.Services.AddSingleton<SubmissionRateLimit>();
        return builder;
    }
}
