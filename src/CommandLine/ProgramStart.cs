using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace LoraTrainer.CommandLine;

/// <summary>
/// The start of every program: <c>--help</c> and <c>--version</c> are answered, and a start-up failure a user can fix
/// becomes one line on stderr, <c>&lt;program&gt;: &lt;what is wrong and what to do&gt;</c>, with exit code 2 and no stack trace.
/// </summary>
public static partial class ProgramStart
{
    /// <summary>The exit code of a start-up failure: a setting is missing or wrong, or the port is taken.</summary>
    public const int BadSettings = 2;

    /// <summary>
    /// Answers <c>--help</c> / <c>-h</c> and <c>--version</c>, else runs <paramref name="run"/> and returns its exit code;
    /// a start-up failure <see cref="Describe"/> knows is printed as one line and ends in <see cref="BadSettings"/>.
    /// </summary>
    public static async Task<int> RunAsync(ProgramInfo program, IReadOnlyList<string> args, Func<Task<int>> run, TextWriter? output = null, TextWriter? error = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(run);
        output ??= Console.Out;
        error ??= Console.Error;
        if (args.Any(a => a is "--help" or "-h"))
        {
            await output.WriteLineAsync(program.Help());
            return 0;
        }

        if (args.Contains("--version"))
        {
            await output.WriteLineAsync($"{program.Name} {ProgramInfo.Version}");
            return 0;
        }

        try
        {
            return await run();
        }
        catch (Exception ex) when (Describe(program, ex) is { } line)
        {
            await error.WriteLineAsync($"{program.Name}: {line}");
            return BadSettings;
        }
    }

    /// <summary>
    /// The one line for a start-up failure a user can fix, or null for any other exception (which stays unhandled,
    /// stack trace and all, because it is a bug).
    /// </summary>
    public static string? Describe(ProgramInfo program, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(program);
        switch (exception)
        {
            case StartupFailure failure:
                return failure.Message;
            case OptionsValidationException invalid:
                return Invalid(program, [invalid]);
            case AggregateException aggregate when aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => e is OptionsValidationException):
                return Invalid(program, aggregate.InnerExceptions.Cast<OptionsValidationException>());
            case IOException bind when bind.InnerException?.GetType().Name == "AddressInUseException":
                // Kestrel: "Failed to bind to address http://127.0.0.1:5080: address already in use."
                return $"{bind.Message.TrimEnd('.')}: another program is listening there. Stop it, or give this one another port "
                    + "with ASPNETCORE_HTTP_PORTS (e.g. 5081) or ASPNETCORE_URLS (e.g. http://localhost:5081).";
            default:
                return null;
        }
    }

    private static string Invalid(ProgramInfo program, IEnumerable<OptionsValidationException> failures)
    {
        var lines = failures.SelectMany(f => f.Failures.Select(text => Readable(program, f.OptionsType, text)));
        return $"invalid settings: {string.Join(" ", lines.Select(l => l.TrimEnd('.') + "."))} Fix them and start again ({program.Name} --help lists every setting).";
    }

    /// <summary>
    /// One validation failure naming each key with its environment variable; a data-annotation failure, which names
    /// only the property, gets its section's key.
    /// </summary>
    private static string Readable(ProgramInfo program, Type optionsType, string failure)
    {
        if (DataAnnotationFailure().Match(failure) is { Success: true } match
            && program.Options.FirstOrDefault(o => o.Type == optionsType) is { } options)
        {
            var keys = match.Groups["members"].Value.Split(", ").Select(m => $"{options.Section}:{m}");
            return $"{string.Join(", ", keys.Select(WithVariable))}: {match.Groups["error"].Value}";
        }

        return Setting.ConfigurationKey().Replace(failure, key => WithVariable(key.Value));
    }

    private static string WithVariable(string key) => $"{key} ({Setting.ToEnvironmentVariable(key)})";

    // Two forms: the reflection-based data-annotations validation's, and the [OptionsValidator] generator's ("Member: error").
    [GeneratedRegex("^(?:DataAnnotation validation failed for '[^']*' members: '(?<members>[^']*)' with the error: '(?<error>.*)'\\.?|(?<members>[A-Z][A-Za-z0-9]*(?:, [A-Z][A-Za-z0-9]*)*): (?<error>.*))$")]
    private static partial Regex DataAnnotationFailure();
}
