using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LoraTrainer.Protocol;

/// <summary>
/// HMAC-SHA256 request signing shared by the agent and the receiver. The signed string is
/// <c>"{timestamp}\n{METHOD}\n{path}\n{sha256hex(body)}"</c>, keyed with the run's token.
/// </summary>
public static class RequestSigner
{
    /// <summary>Header carrying the unix-seconds timestamp.</summary>
    public const string TimestampHeader = "X-LoraTrainer-Timestamp";

    /// <summary>Header carrying <c>v1=&lt;hex signature&gt;</c>.</summary>
    public const string SignatureHeader = "X-LoraTrainer-Signature";

    /// <summary>How far a timestamp may be from the receiver's clock.</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(5);

    private const string Prefix = "v1=";

    /// <summary>Computes the signature header value for a request.</summary>
    public static string Sign(string token, long timestamp, string method, string path, ReadOnlySpan<byte> body)
    {
        var mac = ComputeMac(token, timestamp, method, path, body);
        return Prefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>
    /// Verifies a request. False for a missing or malformed header, a timestamp outside <see cref="AllowedSkew"/>,
    /// or a signature that does not match; the caller answers all of them alike.
    /// </summary>
    public static bool Verify(string token, string? timestampHeader, string? signatureHeader, string method, string path,
        ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(token)
            || !long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || signatureHeader is null || !signatureHeader.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var skew = Math.Abs(now.ToUnixTimeSeconds() - timestamp);
        if (skew > AllowedSkew.TotalSeconds)
        {
            return false;
        }

        byte[] presented;
        try
        {
            presented = Convert.FromHexString(signatureHeader.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }

        var expected = ComputeMac(token, timestamp, method, path, body);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    /// <summary>Generates a new per-run token: 32 random bytes, base64url without padding (43 characters).</summary>
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static byte[] ComputeMac(string token, long timestamp, string method, string path, ReadOnlySpan<byte> body)
    {
        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(body));
        var canonical = string.Create(CultureInfo.InvariantCulture, $"{timestamp}\n{method.ToUpperInvariant()}\n{path}\n{bodyHash}");
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(canonical));
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
