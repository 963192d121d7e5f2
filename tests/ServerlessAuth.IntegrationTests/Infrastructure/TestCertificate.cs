using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>A self-signed server certificate for localhost/127.0.0.1, made in memory once per test run.</summary>
public static class TestCertificate
{
    private static readonly Lazy<X509Certificate2> Shared = new(Create);

    public static X509Certificate2 Instance => Shared.Value;

    /// <summary>True only for exactly <see cref="Instance"/>: the client trusts this certificate and nothing else.</summary>
    public static bool IsExpected(X509Certificate? presented) =>
        presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(Instance.RawData);

    private static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));

        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        var password = Guid.NewGuid().ToString("N");
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx, password), password);
    }
}
