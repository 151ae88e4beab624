resource "proxmox_virtual_environment_vm" "backup" {
  count     = 2
  name      = format("backup-%02d", count.index + 1)
  node_name = local.node
  vm_id     = 300 + count.index
  on_boot   = true

  cpu {
    cores = 2
    type  = "x86-64-v2-AES"
  }

  memory {
    dedicated = 2048
  }

  disk {
    datastore_id = "local-zfs"
    interface    = "virtio0"
    size         = 32
  }
}
