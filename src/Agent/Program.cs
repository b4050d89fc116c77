Console.WriteLine("agent");
