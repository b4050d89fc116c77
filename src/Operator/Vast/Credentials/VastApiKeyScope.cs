namespace LoraTrainer.Operator.Vast.Credentials;

/// <summary>
/// A Vast key for the calls made inside one async flow: a run whose <c>spec.credentials.vast</c> names its own Secret
/// rents with that key. Outside a scope the operator-wide key applies.
/// </summary>
/// <remarks>The orphan sweep lists the operator-wide account only; instances rented with a run's own key are released by that run's reconcile and finalizer.</remarks>
internal static class VastApiKeyScope
{
    private static readonly AsyncLocal<VastApiKey?> Scoped = new();

    /// <summary>The key of the current scope, or null.</summary>
    public static VastApiKey? Current => Scoped.Value;

    /// <summary>Uses <paramref name="key"/> until the returned scope is disposed; a null key keeps the operator-wide one.</summary>
    public static IDisposable Use(VastApiKey? key)
    {
        var previous = Scoped.Value;
        Scoped.Value = key ?? previous;
        return new Restore(previous);
    }

    private sealed class Restore(VastApiKey? previous) : IDisposable
    {
        public void Dispose() => Scoped.Value = previous;
    }
}
