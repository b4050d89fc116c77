using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using LoraTrainer.Protocol;

namespace LoraTrainer.Benchmarks.Scale;

/// <summary>How much a simulated training reports: epochs, and progress events per epoch.</summary>
internal sealed record AgentScript(int Epochs, int ProgressPerEpoch, int OutputBytes);

/// <summary>
/// The GPU agent of one instance, without the GPU: it does over HTTP what the real agent does, in the same order and
/// signed the same way, as fast as the receiver answers. It fetches its config (signed GET), reports <c>gpuReady</c>,
/// downloads the dataset zip through the presigned GET, reports <c>imagesDownloaded</c>, <c>modelDownloaded</c> (the
/// model URL is not on this machine, so nothing is downloaded) and <c>ready</c>, a few <c>progress</c> events and an
/// <c>epochCompleted</c> per epoch, <c>trainingCompleted</c>, then fetches the config again for fresh URLs, PUTs a
/// small file through the presigned PUT of the best epoch and reports <c>uploaded</c>.
/// </summary>
internal sealed class LifecycleAgent(HttpClient http, Uri runUrl, string token, AgentScript script)
{
    private const int Attempts = 20;
    private static readonly TimeProvider Time = TimeProvider.System;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    private long _seq;
    private int _attempt;

    /// <summary>Requests repeated so far: answers 429 or 503, connections refused, short downloads.</summary>
    public int Retries { get; private set; }

    /// <summary>Runs the whole attempt; throws when the receiver or S3 refuses a step.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var config = await FetchConfigAsync(cancellationToken);
        _attempt = config.Run.Attempt;
        await SendAsync(new AgentEvent { Kind = EventKinds.GpuReady, Gpu = new GpuInfo { Name = "RTX 4090", MemoryMb = 24564, Driver = "550.54", Cuda = "12.4" } }, cancellationToken);

        var zip = await DownloadAsync(config.Dataset, cancellationToken);
        if (zip.Length != config.Dataset.Bytes)
        {
            // What the agent does with a dataset it cannot use: report the failure, so the run fails and its GPU is released.
            var reason = $"the dataset zip is {zip.Length} bytes, the config says {config.Dataset.Bytes}";
            await SendAsync(new AgentEvent { Kind = EventKinds.Failed, Stage = "images", Reason = reason }, cancellationToken);
            throw new AgentReportedFailureException(reason);
        }

        await SendAsync(new AgentEvent { Kind = EventKinds.ImagesDownloaded, Images = 2, Captions = 2, Bytes = zip.Length }, cancellationToken);
        await SendAsync(new AgentEvent { Kind = EventKinds.ModelDownloaded, Bytes = config.Model.Bytes ?? 2_132_625_894, Sha256 = config.Model.Sha256 }, cancellationToken);
        await SendAsync(new AgentEvent { Kind = EventKinds.Ready }, cancellationToken);

        var epochs = new List<EpochResult>();
        var totalSteps = script.Epochs * script.ProgressPerEpoch * 100L;
        for (var epoch = 1; epoch <= script.Epochs; epoch++)
        {
            for (var i = 1; i <= script.ProgressPerEpoch; i++)
            {
                var step = (((epoch - 1) * script.ProgressPerEpoch) + i) * 100L;
                await SendAsync(new AgentEvent
                {
                    Kind = EventKinds.Progress, Percent = (int)(step * 100 / totalSteps), Step = step, TotalSteps = totalSteps,
                    Epoch = epoch, TotalEpochs = script.Epochs, Loss = Loss(epoch), EtaSeconds = totalSteps - step,
                }, cancellationToken);
            }

            epochs.Add(new EpochResult { Epoch = epoch, Loss = Loss(epoch) });
            await SendAsync(new AgentEvent { Kind = EventKinds.EpochCompleted, Epoch = epoch, Loss = Loss(epoch), File = $"lora-{epoch:D6}.safetensors" }, cancellationToken);
        }

        var best = epochs.MinBy(e => e.Loss)!;
        await SendAsync(new AgentEvent { Kind = EventKinds.TrainingCompleted, Epochs = epochs, BestEpoch = best.Epoch }, cancellationToken);

        var outputs = (await FetchConfigAsync(cancellationToken)).Outputs;
        var file = RandomNumberGenerator.GetBytes(script.OutputBytes);
        using (var put = await http.PutAsync(outputs.Best.Url, new ByteArrayContent(file), cancellationToken))
        {
            Ensure(put, "the presigned PUT of the best epoch");
        }

        await SendAsync(new AgentEvent
        {
            Kind = EventKinds.Uploaded, Epoch = best.Epoch, Loss = best.Loss, Key = outputs.Best.Key, Bytes = file.Length,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(file)),
        }, cancellationToken);
    }

    /// <summary>GETs the zip through its presigned URL; a short answer is fetched again (as the agent's downloader resumes one), a few times.</summary>
    private async Task<byte[]> DownloadAsync(DatasetSource dataset, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var zip = await http.GetByteArrayAsync(dataset.Url, cancellationToken);
            if (zip.Length == dataset.Bytes)
            {
                return zip;
            }

            if (attempt == Attempts)
            {
                return zip;
            }

            Retries++;
            await Task.Delay(RetryDelay, Time, cancellationToken);
        }
    }

    // Falls with each epoch, so the last one is the best.
    private static double Loss(int epoch) => 0.12 - (0.01 * epoch);

    /// <summary>Fetches the config document with a signed GET, as the agent does first.</summary>
    public async Task<AgentConfig> FetchConfigAsync(CancellationToken cancellationToken)
    {
        using var response = await SignedAsync(HttpMethod.Get, "/config", [], cancellationToken);
        return await response.Content.ReadFromJsonAsync<AgentConfig>(ProtocolJson.Options, cancellationToken)
            ?? throw new InvalidOperationException("the receiver answered an empty config");
    }

    private async Task SendAsync(AgentEvent evt, CancellationToken cancellationToken)
    {
        var stamped = evt with { Seq = ++_seq, At = Time.GetUtcNow(), Attempt = _attempt };
        using var response = await SignedAsync(HttpMethod.Post, "/events", JsonSerializer.SerializeToUtf8Bytes(stamped, ProtocolJson.Options), cancellationToken);
        var ack = await response.Content.ReadFromJsonAsync<EventAck>(ProtocolJson.Options, cancellationToken);
        if (ack is not { Accepted: true })
        {
            throw new InvalidOperationException($"the receiver did not accept {stamped.Kind} (seq {stamped.Seq}): phase {ack?.Phase}");
        }
    }

    /// <summary>Sends a request signed as the agent signs it; retries what the agent retries (429, 503, no connection).</summary>
    private async Task<HttpResponseMessage> SignedAsync(HttpMethod method, string suffix, byte[] body, CancellationToken cancellationToken)
    {
        var url = new Uri(runUrl.ToString().TrimEnd('/') + suffix);
        for (var attempt = 1; ; attempt++)
        {
            var timestamp = Time.GetUtcNow().ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(method, url);
            if (method == HttpMethod.Post)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new("application/json");
            }

            request.Headers.Add(RequestSigner.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(token, timestamp, method.Method, url.AbsolutePath, body));
            HttpResponseMessage? response = null;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
                if (attempt >= Attempts || response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
                {
                    Ensure(response, $"{method} {suffix}");
                    return response;
                }
            }
            catch (HttpRequestException) when (attempt < Attempts)
            {
                // The receiver may be busy accepting connections; the agent retries the same way.
            }

            response?.Dispose();
            Retries++;
            await Task.Delay(RetryDelay, Time, cancellationToken);
        }
    }

    private static void Ensure(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new InvalidOperationException($"{what} answered {status}");
        }
    }
}

/// <summary>The agent reported <c>failed</c> for its run, as the real agent would in the same situation.</summary>
internal sealed class AgentReportedFailureException(string reason) : Exception(reason);
