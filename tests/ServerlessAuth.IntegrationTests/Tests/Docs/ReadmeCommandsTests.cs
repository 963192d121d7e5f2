using System.Diagnostics;
using System.Text.RegularExpressions;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Tests.Scripts;
using ServerlessAuth.Users;

namespace ServerlessAuth.IntegrationTests.Tests.Docs;

/// <summary>
/// Every README code block that calls curl runs as pasted, with bash, against a real host on Azurite
/// (its address in place of https://localhost:7071, the demo user in place). Each curl must answer the
/// status its comment names (2xx when it names none), so a block that forgets a variable fails here.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class ReadmeCommandsTests(AzuriteFixture azurite)
{
    private const string LocalAddress = "https://localhost:7071";
    private const string StatusMarker = "README-CURL-STATUS ";

    /// <summary>One curl command of a block (continuation lines joined) and the status its comment names.</summary>
    internal sealed record CurlCommand(string Text, int? ExpectedStatus);

    /// <summary>The ```bash blocks of a Markdown text that contain curl commands.</summary>
    internal static IReadOnlyList<string> CurlBlocks(string markdown) =>
        [.. FencedBash().Matches(markdown).Select(m => m.Groups["body"].Value).Where(b => CurlWord().IsMatch(b))];

    /// <summary>The curl commands of a block, in order, each with the status its trailing comment names (e.g. "# 401 invalid_token").</summary>
    internal static IReadOnlyList<CurlCommand> CurlCommands(string block)
    {
        var commands = new List<CurlCommand>();
        var logical = "";
        foreach (var line in block.Split('\n'))
        {
            logical += line.TrimEnd();
            if (logical.EndsWith('\\'))
            {
                logical = logical[..^1] + " ";
                continue;
            }

            var code = logical.TrimStart();
            if (!code.StartsWith('#') && CurlWord().Matches(code).Count is var count and > 0)
            {
                Assert.True(count == 1, $"One curl per command line, so statuses can be matched to lines: {code}");
                var comment = CommentOf(code);
                var status = comment is null ? null : LeadingStatus().Match(comment) is { Success: true } m ? int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
                commands.Add(new CurlCommand(code, status));
            }

            logical = "";
        }

        return commands;
    }

    /// <summary>The text after the first '#' outside quotes that starts a comment (preceded by a space).</summary>
    private static string? CommentOf(string line)
    {
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is null && c is '\'' or '"')
            {
                quote = c;
            }
            else if (quote == c)
            {
                quote = null;
            }
            else if (quote is null && c == '#' && i > 0 && line[i - 1] == ' ')
            {
                return line[(i + 1)..].Trim();
            }
        }

        return null;
    }

    [Fact]
    public void The_parser_finds_each_curl_with_the_status_its_comment_names()
    {
        const string block = """
            API=https://localhost:7071/api
            curl -k -c jar -H 'Content-Type: application/json' \
                 -d '{"a":"#1"}' $API/x          # 200 + session cookie
            TOKEN=$(curl -sk -b jar -X POST $API/t | sed 's/#x/y/')
            # a comment: curl is not run here
            curl -k -i $API/me   # 401 invalid_token
            """;

        var commands = CurlCommands(block.ReplaceLineEndings("\n"));

        Assert.Equal([200, null, 401], commands.Select(c => c.ExpectedStatus));
        Assert.Contains("$API/x", commands[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_curl_in_the_README_answers_the_status_its_comment_names()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(DemoUserScriptTests.RepositoryRoot(), "README.md"));
        var blocks = CurlBlocks(readme);
        Assert.NotEmpty(blocks);

        await using var host = await AuthHost.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix(), addSigningKey: true);
        await host.Service<UserAdministration>().AddAsync("demo", "demo-password-1", CancellationToken.None);
        var baseAddress = host.BaseAddress.ToString().TrimEnd('/');

        foreach (var block in blocks)
        {
            Assert.Contains(LocalAddress, block, StringComparison.Ordinal);
            var expected = CurlCommands(block);
            var (exitCode, statuses, output) = await RunBlockAsync(block.Replace(LocalAddress, baseAddress, StringComparison.Ordinal));

            var report = $"{Environment.NewLine}--- block ---{Environment.NewLine}{block}--- output (exit code {exitCode}) ---{Environment.NewLine}{output}";
            Assert.True(exitCode == 0, "The block stopped early." + report);
            Assert.True(statuses.Count == expected.Count, $"{expected.Count} curl commands, {statuses.Count} ran." + report);
            for (var i = 0; i < expected.Count; i++)
            {
                var ok = expected[i].ExpectedStatus is { } status ? statuses[i] == status : statuses[i] is >= 200 and < 300;
                Assert.True(ok, $"'{expected[i].Text}' answered {statuses[i]}, expected {expected[i].ExpectedStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "2xx"}." + report);
            }
        }
    }

    /// <summary>
    /// Runs a block with bash (unset variables are errors) in an empty folder. A curl function adds a
    /// write-out to stderr, so each call's status is known without changing what its stdout feeds.
    /// </summary>
    private static async Task<(int ExitCode, IReadOnlyList<int> Statuses, string Output)> RunBlockAsync(string block)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "serverlessauth-readme-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            var script = "set -u\n"
                + $"curl() {{ command curl -w '%{{stderr}}{StatusMarker}%{{http_code}}\\n' \"$@\"; }}\n"
                + block;
            var start = new ProcessStartInfo("bash")
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            var statuses = (await error).Split('\n')
                .Where(l => l.StartsWith(StatusMarker, StringComparison.Ordinal))
                .Select(l => int.Parse(l[StatusMarker.Length..], System.Globalization.CultureInfo.InvariantCulture))
                .ToList();
            return (process.ExitCode, statuses, await output + await error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [GeneratedRegex(@"^```bash\n(?<body>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBash();

    [GeneratedRegex(@"(?<![\w-])curl\s")]
    private static partial Regex CurlWord();

    [GeneratedRegex(@"^[1-5][0-9]{2}\b")]
    private static partial Regex LeadingStatus();
}
