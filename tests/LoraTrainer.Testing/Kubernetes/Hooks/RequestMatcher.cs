using System.Text.RegularExpressions;

namespace LoraTrainer.Testing.Kubernetes;

/// <summary>Selects requests for fault injection: an optional HTTP method and a path pattern.</summary>
/// <remarks>
/// In <see cref="PathPattern"/>, <c>*</c> matches one path segment and <c>**</c> any number of them, e.g.
/// <c>/apis/loratrainer.io/v1alpha1/namespaces/*/trainingruns/*/status</c>. A copy made with
/// <c>with { PathPattern = … }</c> matches the new pattern, and two matchers with the same method, pattern and watch
/// flag are equal.
/// </remarks>
/// <param name="Method">GET, PUT, PATCH, POST or DELETE; null matches every method.</param>
/// <param name="PathPattern">The path pattern; the query string is not part of the match.</param>
/// <param name="WatchOnly">When true only watch requests match; when false only non-watch requests; null matches both.</param>
public sealed record RequestMatcher(string? Method = null, string PathPattern = "/**", bool? WatchOnly = null)
{
    private readonly string _pathPattern = PathPattern;
    private readonly Regex _regex = Compile(PathPattern);

    /// <summary>Every request.</summary>
    public static RequestMatcher Any { get; } = new();

    /// <summary>The path pattern; setting it (through <c>with</c>) compiles the new one.</summary>
    public string PathPattern
    {
        get => _pathPattern;
        init
        {
            _pathPattern = value;
            _regex = Compile(value);
        }
    }

    /// <summary>Whether a request with this method, path and watch flag is selected.</summary>
    public bool Matches(string method, string path, bool isWatch) =>
        (Method is null || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase)) &&
        (WatchOnly is null || WatchOnly == isWatch) &&
        _regex.IsMatch(path);

    /// <inheritdoc />
    public bool Equals(RequestMatcher? other) =>
        other is not null && Method == other.Method && PathPattern == other.PathPattern && WatchOnly == other.WatchOnly;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Method, PathPattern, WatchOnly);

    private static Regex Compile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var parts = pattern.Split('/').Select(segment => segment switch
        {
            "**" => "\u0001",
            "*" => "[^/]+",
            _ => Regex.Escape(segment),
        });
        var body = string.Join("/", parts).Replace("/\u0001", "(/.*)?", StringComparison.Ordinal).Replace("\u0001", ".*", StringComparison.Ordinal);
        return new Regex($"^{body}$", RegexOptions.CultureInvariant);
    }
}
