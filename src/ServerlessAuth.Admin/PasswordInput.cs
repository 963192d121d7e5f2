using System.Text;

namespace ServerlessAuth.Admin;

/// <summary>Passwords come from stdin or an echo-free prompt, never from arguments (shell history, ps).</summary>
internal static class PasswordInput
{
    public static string? Read(TextWriter prompt)
    {
        if (Console.IsInputRedirected)
        {
            return Console.In.ReadLine();
        }

        var first = Prompt(prompt, "Password: ");
        var second = Prompt(prompt, "Repeat password: ");
        if (first != second)
        {
            prompt.WriteLine("The passwords differ.");
            return null;
        }

        return first;
    }

    private static string Prompt(TextWriter prompt, string label)
    {
        prompt.Write(label);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                prompt.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
