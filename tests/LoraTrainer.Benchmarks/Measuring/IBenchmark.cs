namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>One benchmark, selected by its <see cref="Name"/> on the command line.</summary>
internal interface IBenchmark
{
    /// <summary>The word that selects it, e.g. <c>kube-fake</c>.</summary>
    string Name { get; }

    /// <summary>One line saying what it measures.</summary>
    string Summary { get; }

    /// <summary>Its options with their defaults.</summary>
    string Usage { get; }

    /// <summary>The option names it accepts.</summary>
    IReadOnlyList<string> Options { get; }

    /// <summary>Runs the benchmark and writes its figures to <paramref name="report"/>.</summary>
    Task RunAsync(BenchmarkOptions options, Report report, CancellationToken cancellationToken);
}
