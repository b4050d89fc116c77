Console.WriteLine("webhook");
