package benchcrm

// SetCustomers changes how many customers scale 1 seeds.
func SetCustomers(n int) { customersPerScale = n }
