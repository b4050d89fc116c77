namespace LoraTrainer.Operator.Vast.Credentials;

/// <summary>Supplies the API key for the next Vast request.</summary>
/// <remarks>
/// The operator-wide key comes from configuration (<see cref="ConfiguredVastApiKeyProvider"/>); a
/// provider reading a run's <c>spec.credentials.vast</c> Secret can replace it without touching the client.
/// </remarks>
internal interface IVastApiKeyProvider
{
    /// <summary>The key to send; throws <see cref="VastAuthenticationException"/> when none is available.</summary>
    ValueTask<VastApiKey> GetApiKeyAsync(CancellationToken cancellationToken);
}
