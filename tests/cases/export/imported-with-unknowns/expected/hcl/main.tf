module "truenas" {
  source        = "../../modules/platform/truenas"
  res_cpu_cores = 4
  res_cpu_type  = "x86-64-v2-AES"
  res_hostpci   = []
}

module "talos-w1" {
  source               = "../../modules/compute"
  res_cpu_cores        = 4
  res_dedicated_memory = 8192
  res_hostpci          = []
}
