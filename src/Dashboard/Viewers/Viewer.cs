namespace LoraTrainer.Dashboard.Viewers;

/// <summary>Who is looking: a user and groups as the cluster knows them, or the person at the dashboard's own machine.</summary>
/// <param name="User">The user name; null for <see cref="Local"/>.</param>
/// <param name="Groups">The user's groups.</param>
internal sealed record Viewer(string? User, IReadOnlyList<string> Groups)
{
    /// <summary>Someone on localhost when no authentication is configured: they see what the dashboard's own account reads.</summary>
    public static Viewer Local { get; } = new(null, []);

    /// <summary>Whether this is <see cref="Local"/>.</summary>
    public bool IsLocal => User is null;
}
