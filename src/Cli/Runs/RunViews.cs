using LoraTrainer.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LoraTrainer.Cli.Runs;

/// <summary>Shows a run as it goes and returns its last version.</summary>
internal interface IRunView
{
    Task<TrainingRun> ShowAsync(IAsyncEnumerable<TrainingRun> versions, CancellationToken cancellationToken);

    /// <summary>The live view in a terminal, plain lines otherwise (CI logs, pipes, files).</summary>
    static IRunView For(CliConsole console) => console.IsTerminal ? new LiveRunView(console) : new PlainRunView(console.Out);
}

/// <summary>One line per change of phase, epoch or message, and one per sample image: what a CI log should hold.</summary>
internal sealed class PlainRunView(TextWriter output) : IRunView
{
    public async Task<TrainingRun> ShowAsync(IAsyncEnumerable<TrainingRun> versions, CancellationToken cancellationToken)
    {
        TrainingRun? last = null;
        var (line, message) = ("", "");
        var samples = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var run in versions.WithCancellation(cancellationToken))
        {
            last = run;
            // Step, ETA and cost change on every report; a line is worth writing when the phase or the epoch moves.
            var key = $"{RunText.Phase(run)} {run.Status?.Progress?.Epoch}";
            if (key != line)
            {
                line = key;
                await output.WriteLineAsync(RunText.Progress(run));
            }

            if (run.Status?.Message is { Length: > 0 } m && m != message)
            {
                message = m;
                await output.WriteLineAsync($"  {m}");
            }

            foreach (var (epoch, sample) in RunText.Samples(run).Where(s => samples.Add(s.Key)))
            {
                await output.WriteLineAsync($"  sample (epoch {epoch}): {sample}");
            }
        }

        if (last?.Status?.Epochs is { Count: > 0 } epochs)
        {
            await output.WriteLineAsync($"loss per epoch: {RunText.Sparkline(epochs)}");
        }

        return last!;
    }
}

/// <summary>A redrawn panel: phase, progress bar, GPU and cost, the per-epoch loss sparkline and the sample images so far.</summary>
internal sealed class LiveRunView(CliConsole console) : IRunView
{
    public async Task<TrainingRun> ShowAsync(IAsyncEnumerable<TrainingRun> versions, CancellationToken cancellationToken)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Out) });
        TrainingRun? last = null;
        await ansi.Live(new Text("waiting for the run…")).StartAsync(async context =>
        {
            await foreach (var run in versions.WithCancellation(cancellationToken))
            {
                last = run;
                context.UpdateTarget(Render(run));
            }
        });
        return last!;
    }

    private static IRenderable Render(TrainingRun run)
    {
        var status = run.Status;
        var percent = status?.Progress?.Percent ?? 0;
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(run.Metadata.Name)}[/]  {Markup.Escape(RunText.Progress(run))}"),
            new BreakdownChart().Width(40).HideTags().AddItem("done", percent, Color.Green).AddItem("to go", 100 - percent, Color.Grey),
        };
        if (status?.Epochs is { Count: > 0 } epochs)
        {
            rows.Add(new Text($"loss per epoch {RunText.Sparkline(epochs)}"));
        }

        if (status?.Message is { Length: > 0 } message)
        {
            rows.Add(new Text(message));
        }

        rows.AddRange(RunText.Samples(run).TakeLast(8).Select(s => new Text($"sample (epoch {s.Epoch}): {s.Key}")));
        return new Rows(rows);
    }
}
