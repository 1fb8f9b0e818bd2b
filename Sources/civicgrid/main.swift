print("civicgrid")
