resource "proxmox_virtual_environment_vm" "truenas" {
  name      = "truenas"
  node_name = "srv01"
  vm_id     = 100
  on_boot   = true
  machine   = "q35"

  agent {
    enabled = false
  }

  cpu {
    cores = 4
    type  = "x86-64-v2-AES"
  }
}

resource "proxmox_virtual_environment_vm" "talos-w1" {
  name      = "talos-w1"
  node_name = "srv01"
  vm_id     = 211
  on_boot   = false

  agent {
    enabled = false
  }

  cpu {
    cores = 4
  }

  memory {
    dedicated = 8192
    floating  = 8192
  }

  disk {
    datastore_id = "local-zfs"
    interface    = "scsi0"
    size         = 64
  }
}
