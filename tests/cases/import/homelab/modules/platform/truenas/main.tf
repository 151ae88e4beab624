# The platform module: TrueNAS on the compute module, with its HBA passed through.
module "vm" {
  source       = "../../compute"
  vm_name      = var.vm_name
  vm_node_name = var.vm_node_name
  vm_id        = var.vm_id
  memory       = var.memory
  cores        = 6
  cpu_type     = "host"
  hostpci = [
    { mapping = var.hba_mapping, pcie = true, rombar = false },
  ]
}
