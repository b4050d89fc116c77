using LoraTrainer.Api;
using LoraTrainer.CommandLine;
using LoraTrainer.Storage;

namespace LoraTrainer.Cli.Runs;

/// <summary>Downloads a completed run's LoRA (verified by the SHA-256 in its status) and, if asked, its sample images.</summary>
internal static class RunDownload
{
    /// <summary>Returns the exit code: <see cref="CliExit.Failed"/> when the bytes do not match the status.</summary>
    public static async Task<int> RunAsync(TrainingRun run, IObjectStore store, int? epoch, string directory, bool samples, TextWriter output, CancellationToken cancellationToken)
    {
        var name = run.Metadata.Name;
        if (run.Status?.Output is not { Uri: { } uri } result)
        {
            throw new StartupFailure($"{name} has no trained LoRA yet (phase {RunText.Phase(run)}): kubectl lora watch {name} follows it.");
        }

        var (bucket, key) = Split(uri);
        string? expected = result.Sha256;
        var recorded = "status.output.sha256";
        if (epoch is { } wanted && wanted != result.Epoch)
        {
            var kept = run.Status.Epochs.FirstOrDefault(e => e.Epoch == wanted);
            if (run.Spec.Output.Keep != KeepPolicy.All && kept?.Sha256 is null)
            {
                throw new StartupFailure($"{name} kept only its best epoch ({result.Epoch}): set spec.output.keep: all to keep every epoch.");
            }

            (bucket, key) = OutputKeys.Epoch(run.Spec.Output.S3, name, wanted);
            // Runs whose agent predates per-epoch hashes recorded none: their epochs are downloaded unverified.
            expected = kept?.Sha256;
            recorded = $"status.epochs[{wanted}].sha256";
        }

        var path = Path.Combine(directory, Path.GetFileName(key));
        var actual = await store.DownloadFileAsync(bucket, key, path, cancellationToken);
        if (expected is not null && !string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(path);
            await output.WriteLineAsync($"{path}: sha256 {actual} does not match {recorded} {expected}; the file was removed.");
            return CliExit.Failed;
        }

        await output.WriteLineAsync(expected is null ? $"downloaded {path} (sha256 {actual})" : $"downloaded {path} (sha256 {actual}, verified)");
        if (samples)
        {
            foreach (var (_, sample) in RunText.Samples(run))
            {
                var samplePath = Path.Combine(directory, "samples", Path.GetFileName(sample));
                await store.DownloadFileAsync(run.Spec.Output.S3.Bucket, sample, samplePath, cancellationToken);
                await output.WriteLineAsync($"downloaded {samplePath}");
            }
        }

        return CliExit.Ok;
    }

    private static (string Bucket, string Key) Split(string uri)
    {
        var rest = uri["s3://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return (rest[..slash], rest[(slash + 1)..]);
    }
}
