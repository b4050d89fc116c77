using System.Globalization;

namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>Prints a benchmark's figures as aligned lines: the machine first, then one section per measurement.</summary>
internal sealed class Report(TextWriter output)
{
    private const int LabelWidth = 46;

    public void Title(string text)
    {
        output.WriteLine(text);
        output.WriteLine(new string('=', Math.Min(text.Length, 100)));
    }

    public void Machine(MachineInfo machine)
    {
        Figure("date (UTC)", machine.Date.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        Figure("cores", machine.Cores.ToString(CultureInfo.InvariantCulture));
        Figure("memory", Mebibytes(machine.MemoryBytes));
        Figure("cpu", machine.Cpu);
        Figure("os / runtime", $"{machine.Os} / {machine.Runtime} ({(machine.ServerGc ? "server" : "workstation")} GC)");
        Figure("load average at start (1/5/15 min)", MachineInfo.LoadAverage());
    }

    /// <summary>Starts a section; the load average is printed with it because other builds share the machine.</summary>
    public void Section(string title)
    {
        output.WriteLine();
        output.WriteLine($"-- {title}  [load {MachineInfo.LoadAverage()}]");
    }

    public void Figure(string label, string value) => output.WriteLine($"  {label,-LabelWidth} {value}");

    /// <summary>A figure measured several times: the median, then every run in order.</summary>
    public void Repeated(string label, IReadOnlyList<double> runs, string unit, string format = "N0") =>
        Figure(label, $"{Number(Samples.Median(runs), format)} {unit}  (median of {runs.Count}: {string.Join(", ", runs.Select(r => Number(r, format)))})");

    /// <summary>One figure of several builds on one line, each after the first with its difference from the first in percent.</summary>
    public void SideBySide(string label, IReadOnlyList<(string Build, double Value)> values, string unit, string format = "N0")
    {
        var first = values[0].Value;
        Figure(label, string.Join(", ", values.Select((v, i) =>
            $"{v.Build} {Number(v.Value, format)} {unit}" + (i == 0 || first == 0 ? "" : $" ({(v.Value / first - 1) * 100:+0;-0} %)"))));
    }

    public void Note(string text) => output.WriteLine($"  note: {text}");

    public static string Number(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Mebibytes(long bytes) => $"{Number(bytes / 1048576.0, "N1")} MiB";
}
