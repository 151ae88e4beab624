resource "proxmox_virtual_environment_vm" "this" {
  name      = var.vm_name
  node_name = var.vm_node_name
  vm_id     = var.vm_id
  machine   = var.machine
  on_boot   = true
  migrate   = true

  agent {
    enabled = true
  }

  cpu {
    cores = var.cores
    type  = var.cpu_type
  }

  memory {
    dedicated = var.memory
    floating  = length(var.hostpci) > 0 ? 0 : var.memory
  }

  dynamic "hostpci" {
    for_each = var.hostpci
    iterator = h
    content {
      device  = "hostpci${h.key}"
      mapping = h.value.mapping
      pcie    = h.value.pcie
      rombar  = try(h.value.rombar, true)
    }
  }
}
