using Microsoft.Extensions.Options;

namespace LoraTrainer.Webhook;

/// <summary>
/// Checks <see cref="ReceiverOptions"/> against its <c>[Range]</c> attributes with code generated at build time: the
/// receiver is published as Native AOT, where the reflection-based data-annotations validation cannot run.
/// </summary>
[OptionsValidator]
internal sealed partial class ReceiverOptionsValidator : IValidateOptions<ReceiverOptions>;
