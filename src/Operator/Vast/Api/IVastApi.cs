using Refit;

namespace LoraTrainer.Operator.Vast.Api;

/// <summary>The Vast.ai REST endpoints the operator uses, exactly as Vast serves them.</summary>
/// <remarks>
/// Every method answers an <see cref="IApiResponse{T}"/> so that status codes Vast uses as answers
/// (404 for a vanished instance, 404/410 for a taken offer) are read rather than thrown.
/// Authentication, pacing and retries live in the HTTP pipeline, not here.
/// </remarks>
internal interface IVastApi
{
    /// <summary>Searches offers; the body is the filter object itself.</summary>
    [Post("/api/v0/bundles/")]
    Task<IApiResponse<VastOfferList>> SearchOffersAsync([Body] VastSearchQuery query, CancellationToken cancellationToken);

    /// <summary>Rents an offer (ask); the answer's <c>new_contract</c> is the instance id.</summary>
    [Put("/api/v0/asks/{offerId}/")]
    Task<IApiResponse<VastCreateResponse>> CreateInstanceAsync(long offerId, [Body] VastCreateRequest request, CancellationToken cancellationToken);

    /// <summary>Reads one instance: one object under the plural key <c>instances</c>, null once it is gone.</summary>
    [Get("/api/v0/instances/{instanceId}/")]
    Task<IApiResponse<VastShowResponse>> ShowInstanceAsync(long instanceId, CancellationToken cancellationToken);

    /// <summary>Lists instances one page at a time.</summary>
    /// <remarks>
    /// <c>limit</c> and <c>select_filters</c> are JSON-encoded; <c>after_token</c> is the previous answer's
    /// <c>next_token</c> exactly as it came (Vast answers 400 to a quoted one).
    /// </remarks>
    [Get("/api/v1/instances/")]
    Task<IApiResponse<VastInstanceList>> ListInstancesAsync(
        [AliasAs("limit")] string? limit,
        [AliasAs("after_token")] string? afterToken,
        [AliasAs("select_filters")] string? selectFilters,
        CancellationToken cancellationToken);

    /// <summary>Destroys an instance; the body is an empty object.</summary>
    [Delete("/api/v0/instances/{instanceId}/")]
    Task<IApiResponse<VastSuccess>> DestroyInstanceAsync(long instanceId, [Body] VastEmptyBody body, CancellationToken cancellationToken);

    /// <summary>Sets an instance's label.</summary>
    [Put("/api/v0/instances/{instanceId}/")]
    Task<IApiResponse<VastSuccess>> SetLabelAsync(long instanceId, [Body] VastLabelRequest request, CancellationToken cancellationToken);
}
