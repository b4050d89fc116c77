using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Runtime;

/// <summary>One controller's name and options, as <see cref="RuntimeServiceCollectionExtensions.AddController{TResource, TReconciler}"/> registered them.</summary>
internal record ControllerRegistration(string Name, ControllerOptions Controller, InformerOptions Informer);

/// <summary>The registration of the controller for <typeparamref name="TResource"/>, so each resource type finds its own options.</summary>
internal sealed record ControllerRegistration<TResource>(string Name, ControllerOptions Controller, InformerOptions Informer)
    : ControllerRegistration(Name, Controller, Informer);

/// <summary>
/// Refuses to start when a controller's shutdown grace is not shorter than the host's shutdown timeout: the host
/// would give up on the controllers before they cancel their in-flight reconciles.
/// </summary>
internal sealed class ShutdownGraceValidation(IEnumerable<ControllerRegistration> controllers) : IValidateOptions<HostOptions>
{
    public ValidateOptionsResult Validate(string? name, HostOptions options)
    {
        var failures = controllers
            .Where(c => c.Controller.ShutdownGrace >= options.ShutdownTimeout)
            .Select(c => $"controller {c.Name}: ShutdownGrace ({c.Controller.ShutdownGrace}) must be shorter than the host's shutdown timeout ({options.ShutdownTimeout}); shorten the grace or raise HostOptions.ShutdownTimeout")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
