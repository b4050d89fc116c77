using Amazon.S3;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Testing.Commands;

/// <summary><c>s3</c>: runs s3rver, the S3-compatible server of the tests, with the given buckets until Ctrl+C.</summary>
internal sealed class S3Command : ITestKitCommand
{
    private static readonly string[] SampleBuckets = ["training-images", "trained-loras"];

    public string Name => "s3";

    public string Summary => "serve s3rver (S3-compatible, from npm) with the given buckets";

    public string Usage => $"""
        usage: LoraTrainer.Testing s3 [--port 4568] [--bucket NAME]...
          --port    port on 127.0.0.1 (0 picks a free one; default 4568)
          --bucket  a bucket to create; repeatable (default: {string.Join(" and ", SampleBuckets)}, as in config/samples)
        needs node and npm (s3rver is installed into the repository on first use); objects live in a temporary folder deleted on exit
        """;

    public async Task<int> RunAsync(CommandArguments arguments, TextWriter output, CancellationToken stop)
    {
        arguments.RejectUnknown("port", "bucket");
        var port = arguments.GetPort("port", 4568);
        IReadOnlyList<string> buckets = arguments.GetAll("bucket") is { Count: > 0 } given ? given : SampleBuckets;
        if (await S3rverServer.EnsureInstalledAsync(stop) is { } unavailable)
        {
            throw new CommandFailedException(unavailable);
        }

        S3rverServer server;
        try
        {
            server = await S3rverServer.StartAsync(port, stop);
        }
        catch (InvalidOperationException e)
        {
            throw new CommandFailedException($"s3rver did not start on port {port}: {e.Message}", e);
        }

        await using (server)
        {
            foreach (var bucket in buckets)
            {
                try
                {
                    await server.EnsureBucketAsync(bucket, stop);
                }
                catch (AmazonS3Exception e)
                {
                    throw new CommandFailedException($"cannot create bucket '{bucket}': {e.Message}", e);
                }
            }

            await output.WriteLineAsync($"S3 (s3rver) listening on {server.ServiceUrl}");
            await output.WriteLineAsync($"access key: {S3rverServer.AccessKeyId}  secret key: {S3rverServer.SecretAccessKey}  region: {S3rverServer.Region}  path-style addressing");
            await output.WriteLineAsync($"buckets: {string.Join(", ", buckets)}");
            await output.WriteLineAsync(
                $"operator settings: S3__Provider=Other S3__ServiceUrl={server.ServiceUrl} S3__Region={S3rverServer.Region} " +
                $"S3__AccessKeyId={S3rverServer.AccessKeyId} S3__SecretAccessKey={S3rverServer.SecretAccessKey}");
            await output.WriteLineAsync("press Ctrl+C to stop");
            await StopSignal.WaitAsync(stop);
        }

        return 0;
    }
}
