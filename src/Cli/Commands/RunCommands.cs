using System.CommandLine;
using System.Globalization;
using LoraTrainer.Api;
using LoraTrainer.Cli.Runs;

namespace LoraTrainer.Cli.Commands;

/// <summary><c>kubectl lora watch NAME</c>: follows a run; exits 0 when it completes, 1 when it fails or stalls.</summary>
internal static class WatchCommand
{
    public static Command Build(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The TrainingRun." };
        var command = new Command("watch", "Follow a run: phase, progress, loss, GPU and cost, loss per epoch, sample images. Exit code 0 when it completes, 1 when it fails or stalls.") { name };
        command.SetAction(async (parsed, ct) =>
        {
            using var cluster = GlobalOptions.Cluster(parsed);
            var last = await IRunView.For(console).ShowAsync(new RunFollower(cluster, TimeProvider.System, RunFollower.DefaultInterval).FollowAsync(parsed.GetValue(name)!, ct), ct);
            var outcome = RunText.Outcome(last);
            await (RunFollower.ExitCode(last) == CliExit.Ok ? console.Out : console.Error).WriteLineAsync(outcome);
            return RunFollower.ExitCode(last);
        });
        return command;
    }
}

/// <summary><c>kubectl lora download NAME</c>.</summary>
internal static class DownloadCommand
{
    public static Command Build(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The TrainingRun." };
        var epoch = new Option<int?>("--epoch") { Description = "Another epoch than the one the run chose (needs spec.output.keep: all)." };
        var output = new Option<string>("--output", "-o") { Description = "The folder to write to (default: the current folder).", DefaultValueFactory = _ => "." };
        var samples = new Option<bool>("--samples") { Description = "Download the sample images too, into <folder>/samples." };
        var command = new Command("download", "Download a completed run's LoRA, verified against status.output.sha256.") { name, epoch, output, samples };
        command.SetAction(async (parsed, ct) =>
        {
            using var cluster = GlobalOptions.Cluster(parsed);
            var run = await cluster.GetAsync(parsed.GetValue(name)!, ct);
            using var stores = GlobalOptions.Stores(parsed);
            return await RunDownload.RunAsync(run, stores.Create(), parsed.GetValue(epoch), parsed.GetValue(output)!, parsed.GetValue(samples), console.Out, ct);
        });
        return command;
    }
}

/// <summary><c>kubectl lora list</c>: the columns of <c>kubectl get trainingruns</c>.</summary>
internal static class ListCommand
{
    public static Command Build(CliConsole console)
    {
        var command = new Command("list", "List the runs in the namespace.");
        command.SetAction(async (parsed, ct) =>
        {
            using var cluster = GlobalOptions.Cluster(parsed);
            var runs = await cluster.ListAsync(ct);
            var rows = runs.OrderBy(r => r.Metadata.Name, StringComparer.Ordinal).Select(r => new[]
            {
                r.Metadata.Name, RunText.Phase(r), $"{r.Status?.Progress?.Percent ?? 0}", $"{r.Status?.Progress?.Epoch}",
                r.Status?.Progress?.Loss?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "", r.Status?.Gpu?.GpuName ?? "",
                r.Status?.Cost?.EstimatedUsd.ToString("0.00", CultureInfo.InvariantCulture) ?? "",
            });
            await Table.WriteAsync(console.Out, ["NAME", "PHASE", "PROGRESS", "EPOCH", "LOSS", "GPU", "COST"], rows);
            if (runs.Count == 0)
            {
                await console.Out.WriteLineAsync($"no TrainingRuns in namespace {cluster.Namespace}");
            }

            return CliExit.Ok;
        });
        return command;
    }
}

/// <summary><c>kubectl lora describe NAME</c>: the run's story.</summary>
internal static class DescribeCommand
{
    public static Command Build(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The TrainingRun." };
        var command = new Command("describe", "Show a run: phase, conditions, events (the phase history), epochs with loss and samples.") { name };
        command.SetAction(async (parsed, ct) =>
        {
            using var cluster = GlobalOptions.Cluster(parsed);
            var run = await cluster.GetAsync(parsed.GetValue(name)!, ct);
            var events = await cluster.EventsAsync(run.Metadata.Name, ct);
            var o = console.Out;
            var status = run.Status;
            await o.WriteLineAsync($"Name:      {run.Metadata.Name}\nNamespace: {cluster.Namespace}\nProgress:  {RunText.Progress(run)}\nAttempt:   {status?.Attempt}\nMessage:   {status?.Message}");
            if (status?.Output is { } output)
            {
                await o.WriteLineAsync(RunText.Invariant($"Output:    {output.Uri} epoch {output.Epoch} loss {output.Loss:0.0000} sha256 {output.Sha256}"));
            }

            await o.WriteLineAsync("\nConditions:");
            await Table.WriteAsync(o, ["TYPE", "STATUS", "REASON", "MESSAGE"], (status?.Conditions ?? []).Select(c => new[] { c.Type, c.Status, c.Reason, c.Message }));
            await o.WriteLineAsync($"\nEpochs: {RunText.Sparkline(status?.Epochs ?? [])}");
            await Table.WriteAsync(o, ["EPOCH", "LOSS", "SAMPLES"], (status?.Epochs ?? []).Select(e => new[]
            {
                $"{e.Epoch}", e.Loss?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "", string.Join(' ', (e.Samples ?? []).Select(s => s.Key ?? s.Error)),
            }));
            await o.WriteLineAsync("\nEvents:");
            await Table.WriteAsync(o, ["TYPE", "REASON", "MESSAGE"], events.Select(e => new[] { e.Type ?? "", e.Reason ?? "", e.Message ?? "" }));
            return CliExit.Ok;
        });
        return command;
    }
}

/// <summary><c>kubectl lora stop NAME</c>: finishes the run now (<c>spec.finish</c>), or suspends it with <c>--suspend</c>.</summary>
internal static class StopCommand
{
    public static Command Build(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The TrainingRun." };
        var suspend = new Option<bool>("--suspend")
        {
            Description = "Suspend instead (spec.runPolicy.suspend: true): release the GPU and hold the run in pending, keeping nothing; "
                + "clearing the field starts the training again.",
        };
        var command = new Command("stop",
            "Finish a run now (spec.finish: now): training stops, the best epoch saved so far is uploaded and the run completes "
            + "with reason FinishedEarly, its GPU released. A run with no epoch saved yet fails, saying so; a finished run is left as it is.")
        {
            name, suspend,
        };
        command.SetAction(async (parsed, ct) =>
        {
            using var cluster = GlobalOptions.Cluster(parsed);
            var runName = parsed.GetValue(name)!;
            var run = await cluster.GetAsync(runName, ct);
            var resource = $"trainingrun.{TrainingRun.Group}/{runName}";
            if (PhaseMachine.IsTerminal(run))
            {
                await console.Out.WriteLineAsync($"{resource} is already {RunText.Phase(run)}; nothing to stop");
                return CliExit.Ok;
            }

            if (parsed.GetValue(suspend))
            {
                await cluster.SuspendAsync(runName, ct);
                await console.Out.WriteLineAsync($"{resource} suspended; its GPU is released");
                return CliExit.Ok;
            }

            await cluster.FinishAsync(runName, ct);
            await console.Out.WriteLineAsync($"{resource} finishing: training stops and the best epoch saved so far is kept; kubectl lora watch {runName} follows it");
            return CliExit.Ok;
        });
        return command;
    }
}

/// <summary><c>kubectl lora delete NAME</c>.</summary>
internal static class DeleteCommand
{
    public static Command Build(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The TrainingRun." };
        var command = new Command("delete", "Delete a run; the operator releases its GPU first. Its files stay in the bucket.") { name };
        command.SetAction(async (parsed, ct) =>
        {
            using var cluster = GlobalOptions.Cluster(parsed);
            var runName = parsed.GetValue(name)!;
            var existed = await cluster.DeleteAsync(runName, ct);
            await console.Out.WriteLineAsync(existed ? $"trainingrun.{TrainingRun.Group}/{runName} deleted" : $"no TrainingRun {runName} in namespace {cluster.Namespace}");
            return existed ? CliExit.Ok : CliExit.Failed;
        });
        return command;
    }
}

/// <summary>Columns padded to their widest cell, as kubectl prints them.</summary>
internal static class Table
{
    public static async Task WriteAsync(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, i) => all.Max(r => r[i].Length) + 3).ToArray();
        foreach (var row in all)
        {
            await output.WriteLineAsync(string.Concat(row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}
