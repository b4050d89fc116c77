using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Vast;

/// <summary>Renders offers and instances the way Vast writes them, extra fields and all, and evaluates search filters.</summary>
internal static class VastWireShapes
{
    /// <summary>
    /// The filter names the search understands (vast-cli's <c>offers_fields</c>), each with the offer field it compares.
    /// Any other key is ignored, as Vast ignores it: <c>reliability2</c> filters nothing, the offer's
    /// <c>reliability2</c> value is filtered as <c>reliability</c>.
    /// </summary>
    private static readonly Dictionary<string, string> FilterFields = new(StringComparer.Ordinal)
    {
        ["bw_nvlink"] = "bw_nvlink", ["compute_cap"] = "compute_cap", ["cpu_arch"] = "cpu_arch", ["cpu_cores"] = "cpu_cores",
        ["cpu_cores_effective"] = "cpu_cores_effective", ["cpu_ghz"] = "cpu_ghz", ["cpu_ram"] = "cpu_ram", ["cuda_max_good"] = "cuda_max_good",
        ["datacenter"] = "datacenter", ["direct_port_count"] = "direct_port_count", ["driver_version"] = "driver_version", ["disk_bw"] = "disk_bw",
        ["disk_space"] = "disk_space", ["dlperf"] = "dlperf", ["dlperf_per_dphtotal"] = "dlperf_per_dphtotal", ["dph_total"] = "dph_total",
        ["duration"] = "duration", ["external"] = "external", ["flops_per_dphtotal"] = "flops_per_dphtotal", ["gpu_arch"] = "gpu_arch",
        ["gpu_display_active"] = "gpu_display_active", ["gpu_frac"] = "gpu_frac", ["gpu_mem_bw"] = "gpu_mem_bw", ["gpu_name"] = "gpu_name",
        ["gpu_ram"] = "gpu_ram", ["gpu_total_ram"] = "gpu_total_ram", ["gpu_max_power"] = "gpu_max_power", ["gpu_max_temp"] = "gpu_max_temp",
        ["has_avx"] = "has_avx", ["host_id"] = "host_id", ["id"] = "id", ["inet_down"] = "inet_down", ["inet_down_cost"] = "inet_down_cost",
        ["inet_up"] = "inet_up", ["inet_up_cost"] = "inet_up_cost", ["machine_id"] = "machine_id", ["min_bid"] = "min_bid",
        ["mobo_name"] = "mobo_name", ["num_gpus"] = "num_gpus", ["pci_gen"] = "pci_gen", ["pcie_bw"] = "pcie_bw", ["reliability"] = "reliability2",
        ["rentable"] = "rentable", ["rented"] = "rented", ["storage_cost"] = "storage_cost", ["static_ip"] = "static_ip",
        ["total_flops"] = "total_flops", ["ubuntu_version"] = "ubuntu_version", ["verification"] = "verification", ["verified"] = "verified",
        ["vms_enabled"] = "vms_enabled", ["geolocation"] = "geolocation", ["cluster_id"] = "cluster_id",
    };

    public static JsonObject Offer(SimulatedOffer offer, double allocatedGb, bool rented, VastVariants variants) => Finish(new JsonObject
    {
        ["id"] = offer.Id,
        ["ask_contract_id"] = offer.Id,
        ["bundle_id"] = offer.Id * 7,
        ["machine_id"] = offer.Machine,
        ["host_id"] = offer.HostId,
        ["gpu_name"] = offer.GpuName,
        ["num_gpus"] = offer.NumGpus,
        ["gpu_ram"] = offer.GpuRamMb,
        ["gpu_total_ram"] = offer.GpuRamMb * offer.NumGpus,
        ["cpu_cores_effective"] = 16.0,
        ["cpu_ram"] = 64_000,
        ["disk_space"] = offer.DiskSpaceGb,
        ["inet_down"] = offer.InetDownMbps,
        ["inet_up"] = offer.InetUpMbps,
        ["dph_total"] = Math.Round(offer.DphTotal(allocatedGb), 6),
        ["dph_base"] = offer.DphBase,
        ["min_bid"] = offer.MinBid,
        ["storage_cost"] = offer.StorageCostPerGbMonth,
        [variants.OfferReliabilityUnsuffixed ? "reliability" : "reliability2"] = offer.Reliability,
        ["cuda_max_good"] = offer.CudaMaxGood,
        ["compute_cap"] = offer.ComputeCapability,
        ["driver_version"] = offer.DriverVersion,
        ["geolocation"] = offer.Geolocation,
        ["duration"] = offer.DurationSeconds,
        ["verification"] = offer.Verified ? "verified" : "unverified",
        ["verified"] = offer.Verified,
        ["rentable"] = !rented,
        ["rented"] = rented,
        ["external"] = offer.External,
        ["hosting_type"] = 0,
        ["score"] = 187.3,
    }, variants);

    public static JsonObject Instance(SimulatedInstance instance, VastVariants variants)
    {
        var env = variants.ExtraEnvAsObject
            ? (JsonNode)new JsonObject(instance.Env.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value)))
            : new JsonArray([.. instance.Env.Select(pair => (JsonNode)new JsonArray(pair.Key, pair.Value))]);
        var running = instance.ActualStatus == "running";
        return Finish(new JsonObject
        {
            ["id"] = instance.Id,
            ["machine_id"] = instance.Offer.Machine,
            ["host_id"] = instance.Offer.HostId,
            ["actual_status"] = instance.ActualStatus,
            ["intended_status"] = instance.IntendedStatus,
            ["cur_state"] = instance.CurState,
            ["next_state"] = instance.NextState,
            ["status_msg"] = instance.StatusMsg,
            ["label"] = instance.Label,
            ["gpu_name"] = instance.Offer.GpuName,
            ["num_gpus"] = instance.Offer.NumGpus,
            ["gpu_ram"] = instance.Offer.GpuRamMb,
            ["dph_total"] = Math.Round(instance.GpuPerHour + instance.Offer.StoragePerHour(instance.DiskGb), 6),
            ["dph_base"] = instance.GpuPerHour,
            ["disk_space"] = instance.DiskGb,
            ["start_date"] = instance.CreatedAt.ToUnixTimeMilliseconds() / 1000.0,
            // Vast really does pad this address with whitespace.
            ["public_ipaddr"] = $"198.51.100.{instance.Id % 200 + 1}\n",
            ["ports"] = running ? new JsonObject { ["22/tcp"] = new JsonArray(new JsonObject { ["HostIp"] = "0.0.0.0", ["HostPort"] = (20_000 + instance.Id % 1000).ToString(CultureInfo.InvariantCulture) }) } : null,
            ["extra_env"] = env,
            ["image_uuid"] = instance.Image,
            ["is_bid"] = instance.Bid is not null,
            ["ssh_host"] = "ssh5.vast.ai",
            ["ssh_port"] = 20_000 + instance.Id % 1000,
            ["template_hash_id"] = null,
        }, variants);
    }

    /// <summary>Whether an offer passes every filter clause of a search body; throws <see cref="ArgumentException"/> for an unknown operator.</summary>
    /// <remarks>The offer is read with its canonical field names, whatever names <see cref="VastVariants"/> renders.</remarks>
    public static bool Matches(SimulatedOffer offer, double allocatedGb, bool rented, JsonObject query)
    {
        var fields = Offer(offer, allocatedGb, rented, new VastVariants());
        foreach (var (filter, condition) in query)
        {
            // Unknown filter names (and the body's order, limit, type, allocated_storage) are ignored, not refused.
            if (!FilterFields.TryGetValue(filter, out var field) || !fields.ContainsKey(field))
            {
                continue;
            }

            var actual = fields[field];
            if (condition is not JsonObject operators)
            {
                if (!Equal(actual, condition)) return false;
                continue;
            }

            foreach (var (op, operand) in operators)
            {
                if (!Compare(actual, op, operand)) return false;
            }
        }

        return true;
    }

    public static double? Number(JsonNode? node) => node switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture),
        JsonValue value when value.GetValueKind() == JsonValueKind.String &&
            double.TryParse(value.GetValue<string>().Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    private static bool Compare(JsonNode? actual, string op, JsonNode? operand) => op switch
    {
        "eq" => Equal(actual, operand),
        "neq" => !Equal(actual, operand),
        "gt" => Order(actual, operand) > 0,
        "gte" => Order(actual, operand) >= 0,
        "lt" => Order(actual, operand) is < 0 and not int.MinValue,
        "lte" => Order(actual, operand) is <= 0 and not int.MinValue,
        "in" => operand is JsonArray items && items.Any(item => Equal(actual, item)),
        "notin" => operand is not JsonArray items || !items.Any(item => Equal(actual, item)),
        _ => throw new ArgumentException($"unknown operator {op}"),
    };

    // int.MinValue marks "not comparable", which fails every ordering operator.
    private static int Order(JsonNode? actual, JsonNode? operand) =>
        Number(actual) is double left && Number(operand) is double right ? left.CompareTo(right) : int.MinValue;

    private static bool Equal(JsonNode? actual, JsonNode? expected)
    {
        if (Number(actual) is double left && Number(expected) is double right) return Math.Abs(left - right) < 1e-9;
        if (Bool(actual) is bool a && Bool(expected) is bool b) return a == b;
        return actual?.ToString() == expected?.ToString();
    }

    private static bool? Bool(JsonNode? node) => node switch
    {
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        JsonValue value when value.GetValueKind() == JsonValueKind.String && bool.TryParse(value.GetValue<string>(), out var parsed) => parsed,
        _ => null,
    };

    private static JsonObject Finish(JsonObject shape, VastVariants variants)
    {
        if (variants.NumbersAsStrings)
        {
            foreach (var key in shape.Select(pair => pair.Key).ToList())
            {
                if (shape[key] is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
                {
                    shape[key] = value.ToJsonString();
                }
            }
        }

        return shape;
    }
}
