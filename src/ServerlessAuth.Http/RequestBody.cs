using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace ServerlessAuth.Http;

/// <summary>
/// Reads small request bodies with a hard cap, independent of the host's own limits, so both hosts
/// answer 413 alike. JSON is strict: duplicate properties and wrong types are errors, not guesses.
/// </summary>
public static class RequestBody
{
    /// <summary>Room for any legitimate login or logout body.</summary>
    public const int MaxBytes = 4096;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    public enum Kind { None, Json, Form }

    public sealed record Content(Kind Kind, byte[] Bytes, IResult? Error)
    {
        public T? ReadJson<T>() => JsonSerializer.Deserialize<T>(Bytes, Json);

        public async Task<Dictionary<string, StringValues>> ReadFormAsync()
        {
            using var reader = new FormReader(new MemoryStream(Bytes));
            return await reader.ReadFormAsync();
        }
    }

    public static async Task<Content> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var kind = request.HasJsonContentType() ? Kind.Json : request.HasFormContentType && !IsMultipart(request) ? Kind.Form : Kind.None;
        if (request.ContentLength > MaxBytes)
        {
            return new Content(kind, [], TooLarge());
        }

        var buffer = new MemoryStream();
        var chunk = new byte[1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return new Content(kind, [], TooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        return new Content(kind, buffer.ToArray(), null);
    }

    private static bool IsMultipart(HttpRequest request) =>
        request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true;

    private static IResult TooLarge() => Problems.PayloadTooLarge($"The body may have at most {MaxBytes} bytes.");
}
