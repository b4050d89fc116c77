using Amazon.Runtime;
using Amazon.S3;
using LoraTrainer.Api;
using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Operator.Datasets;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Testing.S3;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoraTrainer.Benchmarks.Zip;

/// <summary>
/// <c>zip</c>: the dataset zipper (pre-flight check, then S3 objects streamed into a multipart zip upload) against
/// s3rver, next to a plain copy of the same bytes and a plain download, with the peak memory of each above idle.
/// </summary>
internal sealed class ZipBenchmark : IBenchmark
{
    private const string Bucket = "benchmark";
    private const string Prefix = "dataset/";
    private static readonly TimeProvider Time = TimeProvider.System;

    public string Name => "zip";

    public string Summary => "dataset zipper through s3rver: throughput against a plain copy, peak memory above idle";

    public string Usage => """
        zip [--size 256MB] [--images N | --image-size 4MB] [--repeats 3]
          --size        dataset size (images plus a small caption each); 1GB and 4GB are the issue's sizes
          --images      how many images the size is split into (each is size / N); issue 6's dataset is --size 1GB --images 2000
          --image-size  size of each image, instead of --images
          --repeats     how many times download, copy and zip each run; medians are reported
        needs node and npm: s3rver is installed into the repository (`npm ci`) on first use.
        """;

    public IReadOnlyList<string> Options => ["size", "images", "image-size", "repeats"];

    public async Task RunAsync(BenchmarkOptions options, Report report, CancellationToken cancellationToken)
    {
        var size = options.Bytes("size", 256L << 20, min: 1 << 20);
        var (images, imageSize) = ImagesOf(options, size);
        var repeats = options.Int("repeats", 3, max: 20);
        if (await S3rverServer.EnsureInstalledAsync(cancellationToken) is { } unavailable)
        {
            throw new ArgumentException(unavailable);
        }

        await using var server = await S3rverServer.StartAsync(cancellationToken);
        await server.EnsureBucketAsync(Bucket, cancellationToken);
        using var cleaner = new AmazonS3Client(new BasicAWSCredentials(S3rverServer.AccessKeyId, S3rverServer.SecretAccessKey),
            new AmazonS3Config { ServiceURL = server.ServiceUrl.ToString(), AuthenticationRegion = S3rverServer.Region, ForcePathStyle = true });
        var s3Options = new S3Options { Provider = S3Provider.Other, ServiceUrl = server.ServiceUrl.ToString(), Region = S3rverServer.Region };
        using var factory = new S3ObjectStoreFactory(Microsoft.Extensions.Options.Options.Create(s3Options), Time);
        var store = factory.Create(new S3Credentials(S3rverServer.AccessKeyId, S3rverServer.SecretAccessKey, "benchmark"));
        var zipper = new DatasetZipper(new DatasetPreflight(Microsoft.Extensions.Options.Options.Create(new DatasetOptions())),
            Microsoft.Extensions.Options.Options.Create(s3Options), NullLogger<DatasetZipper>.Instance);

        Console.Error.WriteLine($"zip: uploading {images:N0} images of {imageSize / 1024.0:N0} KiB to s3rver");
        var dataset = await SyntheticDataset.UploadAsync(server, Bucket, Prefix, images, imageSize, cancellationToken);
        Console.Error.WriteLine($"zip: dataset uploaded in {dataset.UploadTime.TotalSeconds:N0} s; measuring");
        var warmUp = await SyntheticDataset.UploadAsync(server, Bucket, "warm-up/", 3, 1L << 20, cancellationToken);
        await MeasureAsync("warm-up", () => StoreOperations.ConcatenateAsync(store, Bucket, warmUp.Prefix, "warm-up.bin", s3Options, cancellationToken));
        await MeasureAsync("warm-up", () => ZipAsync(zipper, store, warmUp.Prefix, "warm-up-out/", cancellationToken));

        var runs = new List<ZipRun>();
        for (var repeat = 1; repeat <= repeats; repeat++)
        {
            var download = await MeasureAsync("download", () => StoreOperations.DownloadAsync(store, Bucket, Prefix, cancellationToken));
            var copyKey = $"copies/copy-{repeat}.bin";
            var zipPrefix = $"zips-{repeat}/";
            Task<Measured> Copy() => MeasureAsync("copy", () => StoreOperations.ConcatenateAsync(store, Bucket, Prefix, copyKey, s3Options, cancellationToken));
            Task<Measured> Zip() => MeasureAsync("zip", () => ZipAsync(zipper, store, Prefix, zipPrefix, cancellationToken));

            // Alternate the order, so neither always runs on a warmer cache or a quieter machine.
            Measured copy, zip;
            if (repeat % 2 == 1)
            {
                copy = await Copy();
                zip = await Zip();
            }
            else
            {
                zip = await Zip();
                copy = await Copy();
            }

            runs.Add(new ZipRun(download, copy, zip));
            await DeleteAsync(cleaner, copyKey, zipPrefix, cancellationToken);
            Console.Error.WriteLine($"zip: run {repeat}/{repeats} done");
        }

        ZipReport.Print(report, dataset, runs, s3Options);
    }

    /// <summary>How many images, of what size: <c>--images N</c> splits <c>--size</c> into N, <c>--image-size</c> fills it with images of that size.</summary>
    private static (int Images, long ImageBytes) ImagesOf(BenchmarkOptions options, long size)
    {
        if (options.Text("images") is null)
        {
            var imageBytes = options.Bytes("image-size", 4L << 20, min: 64);
            return ((int)Math.Max(1, (size + imageBytes - 1) / imageBytes), imageBytes);
        }

        if (options.Text("image-size") is not null)
        {
            throw new ArgumentException("--images and --image-size both set the size of each image: give one of them");
        }

        var images = options.Int("images", 1, max: (int)Math.Min(1_000_000, size / 64));
        return (images, size / images);
    }

    private static async Task<long> ZipAsync(DatasetZipper zipper, IObjectStore store, string prefix, string outputPrefix, CancellationToken cancellationToken)
    {
        var request = new DatasetRequest(new S3Location { Bucket = Bucket, Prefix = prefix }, new S3Location { Bucket = Bucket, Prefix = outputPrefix }, 1, null);
        var result = await zipper.PrepareAsync(store, request, cancellationToken);
        if (!result.IsReady || result.Reused)
        {
            throw new InvalidOperationException($"the zipper did not write a zip: {result.Refusal?.Message ?? "it reused one"}");
        }

        return result.Status!.Bytes;
    }

    /// <summary>Times <paramref name="operation"/> and samples memory meanwhile, from a fully collected heap.</summary>
    private static async Task<Measured> MeasureAsync(string what, Func<Task<long>> operation)
    {
        var idle = MemoryProbe.AfterFullCollection();
        using var sampler = PeakMemorySampler.Start();
        var load = await LoadResult.MeasureAsync(operation);
        return new Measured(what, load.Elapsed, load.Cpu, load.Completed, sampler.Stop() - idle);
    }

    private static async Task DeleteAsync(AmazonS3Client client, string copyKey, string zipPrefix, CancellationToken cancellationToken)
    {
        await client.DeleteObjectAsync(Bucket, copyKey, cancellationToken);
        var zips = await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = Bucket, Prefix = zipPrefix }, cancellationToken);
        foreach (var zip in zips.S3Objects ?? [])
        {
            await client.DeleteObjectAsync(Bucket, zip.Key, cancellationToken);
        }
    }
}

/// <summary>One timed operation: how long, the CPU the process spent, the bytes it wrote or read, and its peak memory above idle.</summary>
internal sealed record Measured(string What, TimeSpan Elapsed, TimeSpan Cpu, long Bytes, MemoryReading PeakAboveIdle);

/// <summary>One repeat: the download, the plain copy and the zip of the same dataset.</summary>
internal sealed record ZipRun(Measured Download, Measured Copy, Measured Zip);
