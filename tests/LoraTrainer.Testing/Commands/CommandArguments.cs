using System.Globalization;

namespace LoraTrainer.Testing.Commands;

/// <summary><c>--name value</c> options (repeatable) and <c>--flag</c> switches of a subcommand.</summary>
internal sealed class CommandArguments
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);

    public static CommandArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new CommandArguments();
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }

            var name = args[i][2..];
            var value = name.Split('=', 2) is [var key, var inline] ? (name = key, inline).inline
                : i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i]
                : "true";
            if (!parsed._options.TryGetValue(name, out var values))
            {
                parsed._options[name] = values = [];
            }

            values.Add(value);
        }

        return parsed;
    }

    public string? Get(string name) => _options.TryGetValue(name, out var values) ? values[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => _options.TryGetValue(name, out var values) ? values : [];

    public int GetInt(string name, int fallback) =>
        Get(name) is not { } text ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new ArgumentException($"--{name} must be a number, got '{text}'");

    /// <summary>A <c>--port</c>-like option: 0 (a free port) to 65535.</summary>
    public int GetPort(string name, int fallback)
    {
        var port = GetInt(name, fallback);
        return port is >= 0 and <= 65535 ? port : throw new ArgumentException($"--{name} must be between 0 and 65535, got {port}");
    }

    public void RejectUnknown(params string[] known)
    {
        var unknown = _options.Keys.Except(known).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown option --{unknown[0]}");
        }
    }
}
