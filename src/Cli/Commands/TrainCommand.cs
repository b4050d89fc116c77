using System.CommandLine;
using System.Globalization;
using LoraTrainer.Api;
using LoraTrainer.Cli.Datasets;
using LoraTrainer.Cli.Runs;
using LoraTrainer.Datasets;

namespace LoraTrainer.Cli.Commands;

/// <summary><c>kubectl lora train ./photos</c>: check, upload, apply, follow, download.</summary>
internal static class TrainCommand
{
    public static Command Build(CliConsole console)
    {
        var folder = new Argument<string>("folder") { Description = "The folder of images (.jpg, .jpeg, .png, .webp, .bmp) with optional same-named .txt captions." };
        var file = new Option<string?>("--filename", "-f") { Description = "A TrainingRun manifest to apply instead of the flags below; its dataset location is where the images go." };
        var name = new Option<string?>("--name") { Description = "The run's name (default: the folder's name)." };
        var baseModel = new Option<string?>("--base") { Description = "sdxl (default), sd15, flux, civitai:<versionId> or an https:// URL of a .safetensors checkpoint." };
        var modelSha = new Option<string?>("--model-sha256") { Description = "The SHA-256 of the checkpoint at a --base URL." };
        var family = new Option<string?>("--family") { Description = "sd15, sdxl or flux: the family of a --base URL or Civitai model." };
        var trigger = new Option<string?>("--trigger") { Description = "The trigger word the LoRA learns, e.g. ohwx." };
        var @class = new Option<string?>("--class") { Description = "The subject's class, e.g. woman; the caption of images without one." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs to train (default: the family's)." };
        var batch = new Option<int?>("--batch-size") { Description = "Images per step (default: the family's)." };
        var repeats = new Option<int?>("--repeats") { Description = "How often each image is seen per epoch (default 10)." };
        var resolution = new Option<int?>("--resolution") { Description = "Training resolution in pixels (default: the family's)." };
        var bucket = new Option<string?>("--bucket") { Description = "The bucket the images are uploaded to; required, as the cluster publishes no default." };
        var prefix = new Option<string?>("--prefix") { Description = "The key prefix of the images (default datasets/<name>/)." };
        var outputBucket = new Option<string?>("--output-bucket") { Description = "The bucket the LoRA is written to (default: --bucket)." };
        var outputPrefix = new Option<string?>("--output-prefix") { Description = "The key prefix of the LoRA (default loras/<name>/)." };
        var maxPrice = new Option<double?>("--max-price") { Description = "The most the GPU may cost, USD per hour." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the manifest and the GPU the operator would rent (spec.dryRun), without renting." };
        var detach = new Option<bool>("--detach") { Description = "Return once the run is applied instead of following it." };
        var noDownload = new Option<bool>("--no-download") { Description = "Do not download the LoRA when the run completes." };
        var output = new Option<string>("--output", "-o") { Description = "Where the LoRA is downloaded (default: the current folder).", DefaultValueFactory = _ => "." };
        var samples = new Option<bool>("--samples") { Description = "Download the sample images too." };
        var command = new Command("train", "Check a folder of images, upload it, apply a TrainingRun (server-side, field manager kubectl-lora), follow it and download the LoRA.")
        {
            folder, file, name, baseModel, modelSha, family, trigger, @class, epochs, batch, repeats, resolution, bucket, prefix,
            outputBucket, outputPrefix, maxPrice, dryRun, detach, noDownload, output, samples,
        };
        command.SetAction(async (parsed, ct) =>
        {
            var images = parsed.GetValue(folder)!;
            var isDryRun = parsed.GetValue(dryRun);
            var run = parsed.GetValue(file) is { } path
                ? RunManifest.FromFile(path, isDryRun)
                : RunManifest.FromFlags(new TrainFlags(images, parsed.GetValue(name), parsed.GetValue(baseModel), parsed.GetValue(modelSha),
                    parsed.GetValue(family), parsed.GetValue(trigger), parsed.GetValue(@class), parsed.GetValue(epochs), parsed.GetValue(batch),
                    parsed.GetValue(repeats), parsed.GetValue(resolution), parsed.GetValue(bucket), parsed.GetValue(prefix),
                    parsed.GetValue(outputBucket), parsed.GetValue(outputPrefix), parsed.GetValue(maxPrice), isDryRun));

            // Every problem of the folder is reported before anything connects or uploads.
            var dataset = LocalDataset.Check(images, RunManifest.BatchSize(run));
            if (dataset.Problems.Count > 0)
            {
                foreach (var problem in dataset.Problems)
                {
                    await console.Error.WriteLineAsync($"{CliApp.Name}: {problem}");
                }

                await console.Error.WriteLineAsync($"{CliApp.Name}: {dataset.Problems.Count} problem(s) in {images}; nothing was uploaded.");
                return CliExit.Failed;
            }

            using var cluster = GlobalOptions.Cluster(parsed);
            await cluster.FindAsync(run.Metadata.Name, ct);
            using var stores = GlobalOptions.Stores(parsed);
            var store = stores.Create();
            var source = run.Spec.Dataset.S3;
            var sourcePrefix = string.IsNullOrEmpty(source.Prefix) || source.Prefix.EndsWith('/') ? source.Prefix : source.Prefix + "/";
            // The bucket exists and the credentials may use it, before anything is written.
            await store.ListAsync(source.Bucket, sourcePrefix, ct).FirstOrDefaultAsync(ct);
            var upload = await DatasetUpload.RunAsync(dataset, store, source.Bucket, sourcePrefix, ct);
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{dataset.Inventory.Images.Count} images, {dataset.Inventory.CaptionCount} captions: uploaded {upload.Uploaded} ({ByteSize.Format(upload.Bytes)}), {upload.Skipped} already in s3://{source.Bucket}/{sourcePrefix}"));

            var applied = await cluster.ApplyAsync(run, ct);
            await console.Out.WriteLineAsync($"trainingrun.{TrainingRun.Group}/{applied.Metadata.Name} applied in namespace {cluster.Namespace}");
            if (isDryRun)
            {
                await console.Out.WriteLineAsync(RunManifest.Yaml(run));
            }

            if (parsed.GetValue(detach))
            {
                return CliExit.Ok;
            }

            var last = await IRunView.For(console).ShowAsync(new RunFollower(cluster, TimeProvider.System, RunFollower.DefaultInterval).FollowAsync(applied.Metadata.Name, ct), ct);
            await console.Out.WriteLineAsync(isDryRun ? PlanText(last) : RunText.Outcome(last));
            var exit = RunFollower.ExitCode(last);
            if (exit != CliExit.Ok || isDryRun || parsed.GetValue(noDownload))
            {
                return exit;
            }

            return await RunDownload.RunAsync(last, store, null, parsed.GetValue(output)!, parsed.GetValue(samples), console.Out, ct);
        });
        return command;
    }

    private static string PlanText(TrainingRun run) => run.Status?.Plan is { } plan
        ? RunText.Invariant($"plan: {plan.GpuName} (offer {plan.OfferId}) at ${plan.PricePerHour:0.00}/h, about {plan.EstimatedHours:0.0} h, ${plan.EstimatedUsd:0.00}; {plan.MatchingOffers} offers matched. Nothing was rented.")
        : RunText.Outcome(run);
}
