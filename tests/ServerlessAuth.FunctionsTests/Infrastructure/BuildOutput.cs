using System.Reflection;
using System.Text.Json;

namespace ServerlessAuth.FunctionsTests.Infrastructure;

/// <summary>Files of the real build: the Functions app's output folder and the repository's host.json.</summary>
public static class BuildOutput
{
    public static string FunctionsOutputDirectory => Metadata("FunctionsOutputDirectory");

    public static string RepositoryRoot => Metadata("RepositoryRoot");

    /// <summary>functions.metadata as the SDK wrote it for the host.</summary>
    public static JsonDocument FunctionsMetadata() => ReadJson(Path.Combine(FunctionsOutputDirectory, "functions.metadata"));

    /// <summary>The host.json deployed with the app (the build links the repository's copy into the output).</summary>
    public static JsonDocument HostJson() => ReadJson(Path.Combine(FunctionsOutputDirectory, "host.json"));

    private static JsonDocument ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"'{path}' does not exist: build src/ServerlessAuth.Functions in this configuration first.");
        }

        return JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
    }

    private static string Metadata(string key) =>
        typeof(BuildOutput).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
