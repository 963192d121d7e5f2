using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using ServerlessAuth.FunctionsTestHost.Protocol;

namespace ServerlessAuth.FunctionsTestHost;

/// <summary>One function as the worker's own indexing reported it: its trigger binding, and for HTTP its route.</summary>
public sealed class IndexedFunction
{
    private readonly TemplateMatcher? _matcher;

    private IndexedFunction(RpcFunctionMetadata metadata, JsonElement trigger, string routePrefix)
    {
        Metadata = metadata;
        TriggerType = trigger.GetProperty("type").GetString() ?? "";
        TriggerName = trigger.GetProperty("name").GetString() ?? "";
        if (IsHttp)
        {
            // As on the real host: no route means the function's name; the prefix comes from host.json.
            Route = trigger.TryGetProperty("route", out var route) && route.GetString() is { Length: > 0 } given ? given : metadata.Name;
            AuthLevel = trigger.TryGetProperty("authLevel", out var level) ? level.GetString() ?? "Function" : "Function";
            Methods = trigger.TryGetProperty("methods", out var methods) && methods.ValueKind == JsonValueKind.Array
                ? methods.EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToArray()
                : [];
            var template = string.IsNullOrEmpty(routePrefix) ? Route : $"{routePrefix}/{Route}";
            _matcher = new TemplateMatcher(TemplateParser.Parse(template), new RouteValueDictionary());
            Literal = !Route.Contains('{', StringComparison.Ordinal);
        }
    }

    public RpcFunctionMetadata Metadata { get; }

    public string Name => Metadata.Name;

    public string FunctionId => Metadata.FunctionId;

    /// <summary>httpTrigger, timerTrigger, ...</summary>
    public string TriggerType { get; }

    /// <summary>The trigger parameter's binding name (InvocationRequest input data).</summary>
    public string TriggerName { get; }

    public bool IsHttp => TriggerType.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase);

    /// <summary>The route template under the prefix (HTTP functions).</summary>
    public string? Route { get; }

    /// <summary>Anonymous, Function or Admin (HTTP functions).</summary>
    public string? AuthLevel { get; }

    /// <summary>Upper-case methods; empty: every method.</summary>
    public IReadOnlyList<string> Methods { get; } = [];

    internal bool Literal { get; }

    internal bool Matches(string path, string method) =>
        _matcher is not null
        && _matcher.TryMatch(path, new RouteValueDictionary())
        && (Methods.Count == 0 || Methods.Contains(method, StringComparer.OrdinalIgnoreCase));

    internal static IndexedFunction From(RpcFunctionMetadata metadata, string routePrefix)
    {
        foreach (var raw in metadata.RawBindings)
        {
            using var binding = JsonDocument.Parse(raw);
            var element = binding.RootElement;
            var direction = element.TryGetProperty("direction", out var d) ? d.GetString() : null;
            var type = element.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (string.Equals(direction, "In", StringComparison.OrdinalIgnoreCase) && type is not null && type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))
            {
                return new IndexedFunction(metadata, element.Clone(), routePrefix);
            }
        }

        throw new WorkerFailedException($"The worker's metadata for function '{metadata.Name}' has no trigger binding.");
    }
}
