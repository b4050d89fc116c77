Console.WriteLine("operator");
