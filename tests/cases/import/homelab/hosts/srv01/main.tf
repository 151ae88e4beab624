resource "proxmox_virtual_environment_hardware_mapping_pci" "hba" {
  name    = "HBA"
  comment = "LSI SAS2008 for TrueNAS"
  map = [{
    node         = local.node
    path         = "0000:01:00.0"
    id           = "1000:0072"
    subsystem_id = "1000:3020"
    iommu_group  = 12
  }]
}

module "truenas" {
  source       = "../../modules/platform/truenas"
  vm_name      = "truenas"
  vm_node_name = local.node
  vm_id        = 100
  memory       = var.truenas_memory
  hba_mapping  = proxmox_virtual_environment_hardware_mapping_pci.hba.name
}

module "talos_worker" {
  source   = "../../modules/compute"
  for_each = local.workers

  vm_name      = each.key
  vm_node_name = local.node
  vm_id        = each.value.vm_id
  memory       = each.value.memory
  cores        = 4
  cpu_type     = var.talos_cpu
}
