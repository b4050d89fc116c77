using System.Net;
using LoraTrainer.Operator.Vast.Api;
using LoraTrainer.Operator.Vast.Http;
using Microsoft.Extensions.Options;
using Refit;

namespace LoraTrainer.Operator.Vast;

/// <summary>Calls <see cref="IVastApi"/> and turns Vast's answers into results: 404 means gone, errors become <see cref="VastApiException"/>.</summary>
internal sealed class VastClient(IVastApi api, IOptionsMonitor<VastOptions> options)
{
    /// <summary>Searches the market.</summary>
    public async Task<IReadOnlyList<VastOffer>> SearchOffersAsync(VastSearchQuery query, CancellationToken cancellationToken)
    {
        var response = await CallAsync(VastEndpoint.Search, () => api.SearchOffersAsync(query, cancellationToken), cancellationToken).ConfigureAwait(false);
        EnsureSuccess(VastEndpoint.Search, response);
        return response.Content?.Offers ?? [];
    }

    /// <summary>Rents an offer. Never throws for a lost answer: the caller must look the label up before trying again.</summary>
    public async Task<VastCreateOutcome> CreateInstanceAsync(long offerId, VastCreateRequest request, CancellationToken cancellationToken)
    {
        IApiResponse<VastCreateResponse> response;
        try
        {
            response = await api.CreateInstanceAsync(offerId, request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (VastErrors.IsTransport(exception) && !cancellationToken.IsCancellationRequested)
        {
            VastErrors.ThrowIfKeyProblem(exception);
            return VastCreateOutcome.Lost(VastErrors.Describe(exception));
        }

        if (response.HasRequestError(out var requestError))
        {
            cancellationToken.ThrowIfCancellationRequested();
            VastErrors.ThrowIfKeyProblem(requestError);
            return VastCreateOutcome.Lost(VastErrors.Describe(requestError));
        }

        var status = (int)(response.StatusCode ?? 0);
        if (response.IsSuccessStatusCode)
        {
            return response.Content switch
            {
                { Success: not false, NewContract: long id } => VastCreateOutcome.Created(id),
                { Success: false } failed => Refused(status, new VastErrorBody(failed.Error, failed.Msg, failed.NewContract)),
                // A 2xx without an id (or unreadable) may still have rented something.
                _ => VastCreateOutcome.Lost($"{status} without an instance id"),
            };
        }

        var body = VastErrorBody.Parse(ErrorContent(response));
        ThrowIfAuthFailure(VastEndpoint.Create, response, body);
        if (status >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout)
        {
            return VastCreateOutcome.Lost($"{status} {body}");
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            throw new VastApiException($"Vast kept refusing to create an instance as too frequent (429 {body})", VastEndpoint.Create, status, body.Error, isTransient: true);
        }

        return Refused(status, body);
    }

    /// <summary>Reads one instance; null once it is gone (either <c>{"instances": null}</c> or 404).</summary>
    public async Task<VastInstance?> ShowInstanceAsync(long instanceId, CancellationToken cancellationToken)
    {
        var response = await CallAsync(VastEndpoint.Show, () => api.ShowInstanceAsync(instanceId, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (IsGone(VastEndpoint.Show, response))
        {
            return null;
        }

        EnsureSuccess(VastEndpoint.Show, response);
        return response.Content?.Instances;
    }

    /// <summary>Reads one page of the instance listing, optionally only instances with one of <paramref name="labels"/>.</summary>
    public async Task<VastInstancePage> ListInstancesAsync(string? afterToken, IReadOnlyList<string>? labels, CancellationToken cancellationToken)
    {
        var limit = VastJson.Encode(options.CurrentValue.ListPageSize);
        var filters = labels is null ? null : VastJson.Encode(new VastInstanceFilter(new VastLabelIn(labels)));
        var response = await CallAsync(VastEndpoint.List, () => api.ListInstancesAsync(limit, afterToken, filters, cancellationToken), cancellationToken).ConfigureAwait(false);
        EnsureSuccess(VastEndpoint.List, response);
        var next = response.Content?.NextToken;
        return new VastInstancePage(response.Content?.Instances ?? [], string.IsNullOrEmpty(next) ? null : next);
    }

    /// <summary>Destroys an instance: true when Vast destroyed it now, false when it was already gone.</summary>
    public async Task<bool> DestroyInstanceAsync(long instanceId, CancellationToken cancellationToken)
    {
        var response = await CallAsync(VastEndpoint.Destroy, () => api.DestroyInstanceAsync(instanceId, VastEmptyBody.Instance, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (IsGone(VastEndpoint.Destroy, response))
        {
            return false;
        }

        EnsureSuccess(VastEndpoint.Destroy, response);
        return true;
    }

    /// <summary>Sets an instance's label.</summary>
    public async Task SetLabelAsync(long instanceId, string label, CancellationToken cancellationToken)
    {
        var response = await CallAsync(VastEndpoint.Label, () => api.SetLabelAsync(instanceId, new VastLabelRequest(label), cancellationToken), cancellationToken).ConfigureAwait(false);
        EnsureSuccess(VastEndpoint.Label, response);
    }

    private static VastCreateOutcome Refused(int status, VastErrorBody body) => body.IsNoSuchAsk || status is 404 or 410
        ? VastCreateOutcome.OfferGone(body.NewContract, $"{status} {body}")
        : VastCreateOutcome.Refused(status, body);

    private static async Task<IApiResponse<T>> CallAsync<T>(VastEndpoint endpoint, Func<Task<IApiResponse<T>>> call, CancellationToken cancellationToken)
    {
        IApiResponse<T> response;
        try
        {
            response = await call().ConfigureAwait(false);
        }
        catch (Exception exception) when (VastErrors.IsTransport(exception) && !cancellationToken.IsCancellationRequested)
        {
            throw VastErrors.Unreachable(endpoint, exception);
        }

        if (response.HasRequestError(out var requestError))
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw VastErrors.Unreachable(endpoint, requestError);
        }

        return response;
    }

    private static bool IsGone<T>(VastEndpoint endpoint, IApiResponse<T> response)
    {
        if (response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Gone))
        {
            return false;
        }

        // A 404 may also be a rejected key; treating that as "gone" would stop watching an instance that bills.
        ThrowIfAuthFailure(endpoint, response, VastErrorBody.Parse(ErrorContent(response)));
        return true;
    }

    private static void EnsureSuccess<T>(VastEndpoint endpoint, IApiResponse<T> response)
    {
        var status = (int)(response.StatusCode ?? 0);
        if (response.IsSuccessStatusCode)
        {
            if (response.Error is { } unreadable)
            {
                throw new VastApiException($"Vast answered {VastErrors.Name(endpoint)} with JSON the operator cannot read: {unreadable.InnerException?.Message ?? unreadable.Message}", endpoint, status, null, isTransient: false, unreadable);
            }

            if (response.Content is IVastAnswer { Success: false } refused)
            {
                // A refusal under a 2xx: read as success it would pass for an empty listing or a gone instance.
                var verdict = new VastErrorBody(refused.Error, refused.Msg, null);
                ThrowIfAuthFailure(endpoint, response, verdict);
                throw new VastApiException($"Vast refused {VastErrors.Name(endpoint)}: {status} {verdict}", endpoint, status, verdict.Error, isTransient: false);
            }

            return;
        }

        var body = VastErrorBody.Parse(ErrorContent(response));
        ThrowIfAuthFailure(endpoint, response, body);
        var transient = status is 408 or 429 or >= 500;
        throw new VastApiException($"Vast refused {VastErrors.Name(endpoint)}: {status} {body}", endpoint, status, body.Error, transient);
    }

    private static string? ErrorContent(IApiResponse response) => (response.Error as ApiException)?.Content;

    private static void ThrowIfAuthFailure<T>(VastEndpoint endpoint, IApiResponse<T> response, VastErrorBody body)
    {
        if (response.StatusCode != HttpStatusCode.Unauthorized && !body.IsAuthError)
        {
            return;
        }

        var source = response.RequestMessage?.Options.TryGetValue(VastAuthHandler.KeySourceOption, out var named) == true ? named : "the configured key";
        throw new VastAuthenticationException($"Vast rejected the API key in {source} ({(int)(response.StatusCode ?? 0)} {body}) while calling {VastErrors.Name(endpoint)}; fix the key, nothing is rented until then", source);
    }
}

/// <summary>One page of instances and the token of the next, null on the last page.</summary>
internal sealed record VastInstancePage(IReadOnlyList<VastInstance> Instances, string? NextToken);
