using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.UnitTests.SigningKeys;

/// <summary>What a stored value must be: a PKCS#8 P-256 private key (ES256) or base64 of at least 32 bytes (HS256).</summary>
public sealed class SigningKeyMaterialTests
{
    [Fact]
    public void A_generated_ES256_value_is_a_PKCS8_PEM_P256_private_key()
    {
        var value = SigningKeyMaterial.Generate("ES256");

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", value, StringComparison.Ordinal);
        Assert.True(SigningKeyMaterial.TryParse("kid-1", value, out var key, out var error), error);
        var ec = Assert.IsType<ECDsaSecurityKey>(key);
        Assert.Equal("kid-1", ec.KeyId);
        Assert.Equal("ES256", SigningKeyMaterial.AlgorithmOf(ec));
        Assert.Equal("1.2.840.10045.3.1.7", ec.ECDsa.ExportParameters(false).Curve.Oid.Value);
        Assert.Equal(32, ec.ECDsa.ExportParameters(true).D!.Length); // it can sign
        Assert.Equal("ES256", SigningKeyMaterial.AlgorithmOfValue(value));
    }

    [Fact]
    public void A_generated_HS256_value_is_base64_of_32_random_bytes()
    {
        var value = SigningKeyMaterial.Generate("HS256");

        Assert.Equal(32, Convert.FromBase64String(value).Length);
        Assert.True(SigningKeyMaterial.TryParse("kid-1", value, out var key, out var error), error);
        Assert.Equal(32, Assert.IsType<SymmetricSecurityKey>(key).Key.Length);
        Assert.Equal("HS256", SigningKeyMaterial.AlgorithmOf(key));
        Assert.Equal("HS256", SigningKeyMaterial.AlgorithmOfValue(value));
    }

    [Fact]
    public void Each_generated_value_is_new()
    {
        Assert.NotEqual(SigningKeyMaterial.Generate("ES256"), SigningKeyMaterial.Generate("ES256"));
        Assert.NotEqual(SigningKeyMaterial.Generate("HS256"), SigningKeyMaterial.Generate("HS256"));
    }

    [Theory]
    [InlineData("RS256")]
    [InlineData("es256")]
    [InlineData("none")]
    public void No_other_algorithm_is_generated(string algorithm)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SigningKeyMaterial.Generate(algorithm));
        Assert.Throws<ArgumentOutOfRangeException>(() => SigningKeyMaterial.ContentTypeOf(algorithm));
    }

    [Fact]
    public void Content_types_name_the_algorithm_and_are_read_back()
    {
        Assert.Equal("ES256", SigningKeyMaterial.AlgorithmOfContentType(SigningKeyMaterial.ContentTypeOf("ES256")));
        Assert.Equal("HS256", SigningKeyMaterial.AlgorithmOfContentType(SigningKeyMaterial.ContentTypeOf("HS256")));
        Assert.Null(SigningKeyMaterial.AlgorithmOfContentType(null));
        Assert.Null(SigningKeyMaterial.AlgorithmOfContentType("text/plain"));
    }

    [Fact]
    public void A_PEM_with_surrounding_whitespace_and_CRLF_line_ends_is_accepted()
    {
        var value = "\r\n  " + SigningKeyMaterial.Generate("ES256").ReplaceLineEndings("\r\n") + "\r\n";

        Assert.True(SigningKeyMaterial.TryParse("kid", value, out var key, out var error), error);
        Assert.IsType<ECDsaSecurityKey>(key);
    }

    public static TheoryData<string, string, string> BadValues()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        var good = p256.ExportPkcs8PrivateKeyPem();
        return new TheoryData<string, string, string>
        {
            { "empty", "", "the value is empty" },
            { "blank", "  \n ", "the value is empty" },
            { "not base64", "not a key at all!", "neither a PKCS#8 PEM P-256 private key (ES256) nor base64 (HS256)" },
            { "31 bytes", Convert.ToBase64String(new byte[31]), "decodes to 31 bytes; an HS256 key needs at least 32" },
            { "SEC1 EC key", p256.ExportECPrivateKeyPem(), "the PEM is a 'EC PRIVATE KEY'; an unencrypted PKCS#8 'PRIVATE KEY'" },
            { "public key", p256.ExportSubjectPublicKeyInfoPem(), "the PEM is a 'PUBLIC KEY'" },
            { "encrypted PKCS#8", p256.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)), "the PEM is a 'ENCRYPTED PRIVATE KEY'" },
            { "P-384", p384.ExportPkcs8PrivateKeyPem(), "another curve" },
            { "RSA", rsa.ExportPkcs8PrivateKeyPem(), "is not an EC P-256 key" },
            { "two PEMs", good + "\n" + good, "not exactly one PEM block" },
            { "PEM with text after it", good + "\ntrailing words", "not exactly one PEM block" },
            { "broken PEM", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "is not an EC P-256 key (or is malformed)" },
            { "dashes only", "-----", "not exactly one PEM block" },
        };
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_refused_with_a_clear_error_that_does_not_quote_it(string what, string value, string expected)
    {
        Assert.False(SigningKeyMaterial.TryParse("kid", value, out var key, out var error), what);

        Assert.Null(key);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        foreach (var line in value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Length > 8 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line, error, StringComparison.Ordinal);
        }
    }
}
