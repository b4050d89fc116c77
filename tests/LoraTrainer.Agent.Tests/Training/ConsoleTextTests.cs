using LoraTrainer.Agent.Training.Output;

namespace LoraTrainer.Agent.Tests.Training;

public sealed class ConsoleTextTests
{
    [Fact]
    public void Lines_SplitsTqdmCarriageReturnRedrawsIntoSeparateLines()
    {
        var lines = ConsoleText.Lines("steps:   0%|  | 0/4 [00:00<?, ?it/s]\rsteps:  25%|▎ | 1/4 [00:01<00:03, 1.0it/s, avr_loss=0.2]\r\nepoch 2/2\n");

        Assert.Equal(["steps:   0%|  | 0/4 [00:00<?, ?it/s]", "steps:  25%|▎ | 1/4 [00:01<00:03, 1.0it/s, avr_loss=0.2]", "epoch 2/2"], lines);
    }

    [Fact]
    public void Feed_KeepsAPartialLineUntilItsEndArrives()
    {
        var text = new ConsoleText();

        var first = text.Feed("saving check");
        var second = text.Feed("point: /o/a.safetensors\nmodel sa");
        var last = text.Flush();

        Assert.Empty(first);
        Assert.Equal(["saving checkpoint: /o/a.safetensors"], second);
        Assert.Equal(["model sa"], last);
    }

    [Fact]
    public void Lines_StripsAnsiColourAndCursorCodes()
    {
        var lines = ConsoleText.Lines("\u001b[2K\u001b[32mINFO\u001b[0m     model saved.\u001b[1A\n");

        Assert.Equal(["INFO     model saved."], lines);
    }
}
