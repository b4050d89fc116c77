namespace LoraTrainer.Storage;

/// <summary>Hands out <see cref="IObjectStore"/>s bound to a credential.</summary>
internal interface IObjectStoreFactory
{
    /// <summary>
    /// A store acting as <paramref name="credentials"/> (a run's Secret, resolved by the caller), or, when null,
    /// as the operator's configured key pair or the SDK's default credential chain.
    /// </summary>
    IObjectStore Create(S3Credentials? credentials = null);

    /// <summary>The effective client settings every store uses.</summary>
    S3ClientSettings Settings { get; }
}
