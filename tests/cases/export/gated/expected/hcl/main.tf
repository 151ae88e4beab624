module "truenas" {
  source               = "../../modules/platform/truenas"
  res_cpu_cores        = 6
  res_cpu_type         = "host"
  res_dedicated_memory = 32768
  res_hostpci          = [
    {
      mapping = "HBA"
      pcie    = true
      rombar  = false
    },
    {
      mapping = "NIC1"
      pcie    = true
    },
    {
      mapping = "NIC2"
      pcie    = true
    }
  ]
}

module "talos-cp1" {
  source               = "../../modules/platform/truenas"
  res_cpu_cores        = 2
  res_cpu_type         = "host"
  res_dedicated_memory = 4096
  res_hostpci          = []
}

module "talos-w1" {
  source               = "../../modules/platform/truenas"
  res_cpu_cores        = 4
  res_cpu_type         = "host"
  res_dedicated_memory = 8192
  res_hostpci          = []
}

module "talos-w2" {
  source               = "../../modules/platform/truenas"
  res_cpu_cores        = 4
  res_cpu_type         = "host"
  res_dedicated_memory = 8192
  res_hostpci          = []
}
