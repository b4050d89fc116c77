using System.Globalization;

namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>The <c>--name value</c> options of a benchmark, with typed readers that say what is wrong.</summary>
internal sealed class BenchmarkOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var parsed = new BenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}': options are written --name value");
            }

            var name = args[i][2..];
            if (name.Split('=', 2) is [var key, var inline])
            {
                parsed._values[key] = inline;
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                parsed._values[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"--{name} needs a value");
            }
        }

        return parsed;
    }

    public void RejectUnknown(IReadOnlyList<string> known)
    {
        if (_values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new ArgumentException($"unknown option --{unknown}");
        }
    }

    public string? Text(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback, int min = 1, int max = int.MaxValue)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"--{name} must be a whole number from {min} to {max}, got '{text}'");
    }

    /// <summary>A duration in seconds (fractions allowed).</summary>
    public TimeSpan Seconds(string name, double fallback, double min = 0.1)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            return TimeSpan.FromSeconds(fallback);
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= 3600
            ? TimeSpan.FromSeconds(value)
            : throw new ArgumentException($"--{name} must be a number of seconds from {min} to 3600, got '{text}'");
    }

    /// <summary>A size such as <c>256MB</c>, <c>1GB</c> or <c>4096</c> (bytes); KB, MB and GB are powers of 1024.</summary>
    public long Bytes(string name, long fallback, long min = 1)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        var trimmed = text.Trim().ToUpperInvariant().Replace("IB", "B", StringComparison.Ordinal);
        var (digits, factor) = trimmed switch
        {
            _ when trimmed.EndsWith("GB", StringComparison.Ordinal) => (trimmed[..^2], 1L << 30),
            _ when trimmed.EndsWith("MB", StringComparison.Ordinal) => (trimmed[..^2], 1L << 20),
            _ when trimmed.EndsWith("KB", StringComparison.Ordinal) => (trimmed[..^2], 1L << 10),
            _ when trimmed.EndsWith('B') => (trimmed[..^1], 1L),
            _ => (trimmed, 1L),
        };
        return double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number * factor >= min
            ? (long)(number * factor)
            : throw new ArgumentException($"--{name} must be a size such as 256MB or 1GB (at least {min} bytes), got '{text}'");
    }
}
