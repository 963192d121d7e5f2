using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ServerlessAuth.Benchmarks;

/// <summary>
/// The ceiling for /me: Kestrel over HTTPS answering one route that only validates an ES256 JWT (the
/// product's default) of the product's shape with the library (issuer, audience, type, key, lifetime). No revocation state.
/// It mints one such token with a key of its own and prints it first. Usage: bare-jwt URL
/// </summary>
internal static class BareJwtServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: bare-jwt URL");
            return 2;
        }

        const string Issuer = "https://bare.bench/api/auth", Audience = "bench";
        var key = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "bare" };
        var handler = new JsonWebTokenHandler { MapInboundClaims = false };
        var now = DateTime.UtcNow;
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "at+jwt",
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            Claims = new Dictionary<string, object> { ["sub"] = "bench", ["sid"] = "bench", ["jti"] = Guid.NewGuid().ToString("N") },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
        });
        var parameters = new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = ["at+jwt"],
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = key,
        };

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrelHttpsConfiguration().UseUrls(args[0]);
        var app = builder.Build();
        app.MapGet("/api/auth/me", async (HttpContext context) =>
        {
            var header = context.Request.Headers.Authorization.ToString();
            var result = header.StartsWith("Bearer ", StringComparison.Ordinal)
                ? await handler.ValidateTokenAsync(header[7..], parameters)
                : null;
            return result is { IsValid: true, SecurityToken: JsonWebToken jwt }
                ? Results.Ok(new { sub = jwt.Subject })
                : Results.Unauthorized();
        });
        Console.WriteLine($"token: {token}");
        await app.RunAsync();
        return 0;
    }
}
