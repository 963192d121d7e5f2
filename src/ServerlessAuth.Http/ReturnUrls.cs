namespace ServerlessAuth.Http;

/// <summary>Where a form login may send the browser: local paths only, so it cannot be an open redirect.</summary>
public static class ReturnUrls
{
    /// <summary>The account page: without a returnUrl a sign-in lands somewhere that exists, not on a 404 at "/".</summary>
    public const string Default = AuthPages.AccountPath;

    public static bool IsLocal(string? url) =>
        url is { Length: > 0 and <= 2048 }
        && url[0] == '/'
        && (url.Length == 1 || url[1] is not ('/' or '\\'))   // "//host" and "/\host" are protocol-relative
        && !url.Contains('\\')
        && !url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));
}
