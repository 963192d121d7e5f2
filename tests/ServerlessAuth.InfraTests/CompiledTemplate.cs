using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ServerlessAuth.InfraTests;

/// <summary>
/// One ARM template inside the compiled main.bicep: the top-level one, or the template of a nested deployment
/// (a Bicep module) together with the deployment resource that passes its parameters.
/// </summary>
internal sealed class TemplateScope
{
    private TemplateScope(JsonObject template, TemplateScope? parent, JsonObject? deployment)
    {
        Template = template;
        Parent = parent;
        Deployment = deployment;
    }

    public JsonObject Template { get; }

    public TemplateScope? Parent { get; }

    /// <summary>The Microsoft.Resources/deployments resource of the parent template that holds this template.</summary>
    public JsonObject? Deployment { get; }

    public static TemplateScope Root(JsonObject template) => new(template, null, null);

    /// <summary>The resources of this template; Bicep writes an array, or an object keyed by symbolic name (languageVersion 2.0).</summary>
    public IEnumerable<JsonObject> OwnResources() =>
        Template["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject byName => byName.Select(pair => pair.Value).OfType<JsonObject>(),
            _ => [],
        };

    /// <summary>Every resource of this template and of all templates nested in it, each with the scope it is declared in.</summary>
    public IEnumerable<(JsonObject Resource, TemplateScope Scope)> AllResources()
    {
        foreach (var resource in OwnResources())
        {
            yield return (resource, this);
            if (Type(resource) == "Microsoft.Resources/deployments" && resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in new TemplateScope(nested, this, resource).AllResources())
                {
                    yield return inner;
                }
            }
        }
    }

    public static string? Type(JsonObject resource) => resource["type"]?.GetValue<string>();

    /// <summary>
    /// The value a template value stands for when the deployment runs with default parameters: a literal as it
    /// is, <c>[parameters('x')]</c> and <c>[variables('x')]</c> followed through the modules up to a literal.
    /// Null when it is computed at deployment time (a reference, a function of several values, a required parameter).
    /// </summary>
    public JsonNode? Resolve(JsonNode? value)
    {
        if (value is not JsonValue jsonValue || !jsonValue.TryGetValue<string>(out var text) || !IsExpression(text))
        {
            return value?.DeepClone();
        }

        var parameter = Regex.Match(text, @"^\[parameters\('([^']+)'\)\]$");
        if (parameter.Success)
        {
            return ResolveParameter(parameter.Groups[1].Value);
        }

        var variable = Regex.Match(text, @"^\[variables\('([^']+)'\)\]$");
        if (variable.Success && Template["variables"]?[variable.Groups[1].Value] is { } variableValue)
        {
            return Resolve(variableValue);
        }

        return null;
    }

    /// <summary>Resolves <c>variables('name').member</c> in an expression, as Bicep writes object variables.</summary>
    public string? ResolveVariableMember(string expression)
    {
        var match = Regex.Match(expression, @"variables\('([^']+)'\)\.([A-Za-z0-9_]+)");
        return match.Success && Template["variables"]?[match.Groups[1].Value]?[match.Groups[2].Value] is JsonValue member
            && member.TryGetValue<string>(out var text)
            ? text
            : null;
    }

    /// <summary>
    /// Evaluates a condition-like expression (and, or, not, empty, equals over parameters, variables and string or
    /// bool literals) as it would come out with the given values for main.bicep's parameters (others take their
    /// defaults). Enough to decide the template's conditions offline; anything else throws.
    /// </summary>
    public object Evaluate(JsonNode? value, IReadOnlyDictionary<string, object> mainParameters)
    {
        if (value is JsonValue literal && literal.TryGetValue<bool>(out var flag))
        {
            return flag;
        }

        var text = value?.GetValue<string>() ?? throw new InvalidOperationException("Nothing to evaluate.");
        if (!IsExpression(text))
        {
            return text;
        }

        var position = 0;
        var result = EvaluateCall(text[1..^1], ref position, mainParameters);
        return position == text.Length - 2 ? result : throw new InvalidOperationException($"Cannot evaluate {text}.");
    }

    private object EvaluateCall(string expression, ref int position, IReadOnlyDictionary<string, object> mainParameters)
    {
        if (expression[position] == '\'')
        {
            var end = expression.IndexOf('\'', position + 1);
            var literal = expression[(position + 1)..end];
            position = end + 1;
            return literal;
        }

        var open = expression.IndexOf('(', position);
        var name = expression[position..open];
        position = open + 1;
        var arguments = new List<object>();
        while (expression[position] != ')')
        {
            arguments.Add(EvaluateCall(expression, ref position, mainParameters));
            while (expression[position] is ',' or ' ')
            {
                position++;
            }
        }

        position++;
        return name switch
        {
            "and" => arguments.All(a => (bool)a),
            "or" => arguments.Any(a => (bool)a),
            "not" => !(bool)arguments.Single(),
            "empty" => ((string)arguments.Single()).Length == 0,
            "equals" => Equals(arguments[0], arguments[1]),
            "parameters" => ParameterValue((string)arguments.Single(), mainParameters),
            "variables" => Evaluate(Template["variables"]![(string)arguments.Single()], mainParameters),
            _ => throw new InvalidOperationException($"Cannot evaluate the function {name}."),
        };
    }

    private object ParameterValue(string name, IReadOnlyDictionary<string, object> mainParameters)
    {
        if (Deployment?["properties"]?["parameters"]?[name] is JsonObject passed && Parent is not null)
        {
            return Parent.Evaluate(passed["value"], mainParameters);
        }

        if (Parent is null && mainParameters.TryGetValue(name, out var given))
        {
            return given;
        }

        return Evaluate(Template["parameters"]?[name]?["defaultValue"], mainParameters);
    }

    public static bool IsExpression(string text) => text.StartsWith('[') && text.EndsWith(']') && !text.StartsWith("[[", StringComparison.Ordinal);

    private JsonNode? ResolveParameter(string name)
    {
        // Passed by the deployment that holds this template?
        if (Deployment?["properties"]?["parameters"]?[name] is JsonObject passed && Parent is not null)
        {
            return passed.ContainsKey("value") ? Parent.Resolve(passed["value"]) : null;
        }

        // Otherwise its default value, if it has one.
        return Template["parameters"]?[name] is JsonObject declaration && declaration.ContainsKey("defaultValue")
            ? Resolve(declaration["defaultValue"])
            : null;
    }
}

/// <summary>main.bicep compiled once per test run.</summary>
internal static class CompiledMain
{
    private static readonly Lazy<TemplateScope> Compiled = new(Compile);

    public static TemplateScope Root => Compiled.Value;

    /// <summary>The resources of a type that the deployment creates or updates (references to existing ones left out).</summary>
    public static IReadOnlyList<(JsonObject Resource, TemplateScope Scope)> ResourcesOfType(string type) =>
        Root.AllResources()
            .Where(r => string.Equals(TemplateScope.Type(r.Resource), type, StringComparison.OrdinalIgnoreCase))
            .Where(r => r.Resource["existing"]?.GetValue<bool>() != true)
            .ToList();

    public static (JsonObject Resource, TemplateScope Scope) Single(string type)
    {
        var found = ResourcesOfType(type);
        Assert.True(found.Count == 1, $"Expected exactly one resource of type {type} in the compiled main.bicep, found {found.Count}.");
        return found[0];
    }

    private static TemplateScope Compile()
    {
        var result = Bicep.Run("build", "--stdout", Bicep.MainFile);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("bicep build of infra/main.bicep failed: " + result.Describe());
        }

        return TemplateScope.Root(JsonNode.Parse(result.StandardOutput)?.AsObject()
            ?? throw new InvalidOperationException("bicep build printed no template."));
    }
}
