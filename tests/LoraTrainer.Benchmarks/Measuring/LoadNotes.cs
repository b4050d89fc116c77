namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>Sentences that explain figures printed by several benchmarks.</summary>
internal static class LoadNotes
{
    public const string Capacity =
        "\"on idle cores\" = cores × 1 s ÷ CPU per operation: the rate this process could reach with the machine to itself. "
        + "Other builds share this machine, so wall-clock rates vary with the load; CPU per operation varies far less.";
}
