using System.CommandLine;
using LoraTrainer.Datasets;
using LoraTrainer.Storage.ModelCache;

namespace LoraTrainer.Cli.Commands;

/// <summary><c>kubectl lora models --bucket B</c>: the base-model files in a model cache, with what each records about itself.</summary>
internal static class ModelsCommand
{
    /// <summary>The operator's default prefix (<c>ModelCache:Prefix</c>).</summary>
    public const string DefaultPrefix = "models";

    public static Command Build(CliConsole console)
    {
        var bucket = new Option<string>("--bucket") { Description = "The cache bucket (the operator's ModelCache:Bucket, or a run's spec.baseModel.cache.bucket).", Required = true };
        var prefix = new Option<string>("--prefix") { Description = $"The cache's key prefix (default: {DefaultPrefix}, as the operator's).", DefaultValueFactory = _ => DefaultPrefix };
        var command = new Command("models",
            "List the base-model files cached in S3: SHA-256, size, original name, source, and whether a run would trust the object "
            + "(its recorded SHA-256 is the one its key names).") { bucket, prefix };
        command.SetAction(async (parsed, ct) =>
        {
            var location = new ModelCacheLocation(parsed.GetValue(bucket)!, parsed.GetValue(prefix)!.Trim('/'));
            using var stores = GlobalOptions.Stores(parsed);
            var files = await ModelCacheListing.ListAsync(stores.Create(), location, ct).ToListAsync(ct);

            await Table.WriteAsync(console.Out, ["SHA256", "SIZE", "NAME", "SOURCE", "TRUSTED"], files.Select(f => new[]
            {
                f.Sha256.Length > 12 ? f.Sha256[..12] : f.Sha256, ByteSize.Format(f.Bytes), f.Name, f.Source, f.Trusted ? "yes" : "no: recorded SHA-256 differs",
            }));
            await console.Out.WriteLineAsync($"{files.Count} cached files, {ByteSize.Format(files.Sum(f => f.Bytes))} in s3://{location.Bucket}/{location.KeyPrefix}");
            return CliExit.Ok;
        });
        return command;
    }
}
