using LoraTrainer.Testing.Kubernetes.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Testing.Kubernetes.Hooks;

/// <summary>Wraps every request: injected latency and failures first, then the handler, then the request log.</summary>
/// <remarks>Also the one place that turns a <see cref="KubeApiException"/> (or a bug) into a Status response.</remarks>
internal sealed class RequestHooksMiddleware(FaultInjector faults, RequestLog log, IReadOnlyDictionary<string, string> users, TimeProvider time, ILogger logger)
{
    private const string BearerPrefix = "Bearer ";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var isWatch = request.Query["watch"] is { Count: > 0 } w && w[^1] is "true" or "1";
        var started = time.GetUtcNow();
        var user = UserOf(request.Headers.Authorization.ToString());
        var logged = 0;
        void Record()
        {
            if (Interlocked.Exchange(ref logged, 1) == 0)
            {
                var entry = new KubeRequestLogEntry(started, request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? "", context.Response.StatusCode, isWatch, user);
                log.Add(entry);
                FakeKubeApiLog.Request(logger, entry.Method, entry.Path, entry.Query, entry.StatusCode);
            }
        }

        // Logged when the headers go out, so a watch shows up while its stream is still open.
        context.Response.OnStarting(() =>
        {
            Record();
            return Task.CompletedTask;
        });
        try
        {
            var (latency, failWith) = faults.Consult(request.Method, request.Path.Value ?? "/", isWatch);
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, time, context.RequestAborted);
            }

            if (faults.TakeReset(request.Method, request.Path.Value ?? "/", isWatch))
            {
                // Logged with status 0 (nothing was answered), and before the reset: a client that retries at once
                // must find its retry after the reset in the log, however the threads are scheduled.
                context.Response.StatusCode = 0;
                Record();
                context.Abort();
                return;
            }

            if (failWith is { } code)
            {
                if (code == 429)
                {
                    context.Response.Headers.RetryAfter = "1";
                }

                await Responses.WriteStatusAsync(context, new KubeApiException(code, StatusObjects.ReasonFor(code), $"injected failure: {code} for {request.Method} {request.Path}"));
                return;
            }

            if (faults.TakeLostAnswer(request.Method, request.Path.Value ?? "/", isWatch))
            {
                await HandleWithoutAnsweringAsync(context, next);
                return;
            }

            await next(context);
        }
        catch (KubeApiException e) when (!context.Response.HasStarted)
        {
            await Responses.WriteStatusAsync(context, e);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client hung up; there is nobody to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            FakeKubeApiLog.HandlerFailed(logger, e, request.Method, request.Path.Value ?? "/");
            await Responses.WriteStatusAsync(context, new KubeApiException(500, "InternalError", $"Internal error occurred: {e.Message}"));
        }
        finally
        {
            Record();
        }
    }

    /// <summary>
    /// Handles the request (a write lands) but sends nothing back: the answer goes nowhere and the connection is held
    /// until the client gives up, as when an answer is lost on the way; then it is dropped.
    /// </summary>
    private static async Task HandleWithoutAnsweringAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.Body = Stream.Null;
        await next(context);
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var held = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        await Task.Delay(Timeout.InfiniteTimeSpan, held.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        context.Abort();
    }

    /// <summary>The user a known bearer token stands for; the token itself is never kept.</summary>
    private string? UserOf(string authorization) =>
        authorization.StartsWith(BearerPrefix, StringComparison.Ordinal) && users.TryGetValue(authorization[BearerPrefix.Length..].Trim(), out var user) ? user : null;
}
